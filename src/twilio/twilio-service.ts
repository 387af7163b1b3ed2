import { TallyError } from '../domain/errors.ts';
import type { Context } from '../ledger/context.ts';
import { requireWorkspace } from '../ledger/workspaces.ts';
import { openSecret, SecretBoxError, sealSecret } from '../secrets/secret-box.ts';
import { SingleFlight } from './single-flight.ts';
import {
  drawCard,
  NOT_CONNECTED,
  type PartView,
  problemFor,
  SECRET_UNREADABLE,
  type TwilioCard,
  type TwilioProblem,
} from './twilio-card.ts';
import { TwilioClient, type TwilioCredentials, TwilioRequestError } from './twilio-client.ts';
import { validateCredentials } from './twilio-credentials.ts';
import { type BalanceFigures, type FiguresPart, readBalance, readUsage, type UsageFigures } from './twilio-figures.ts';
import {
  deleteConnection,
  findConnection,
  findFigures,
  saveBalance,
  saveConnection,
  saveUsage,
  type TwilioConnection,
} from './twilio-rows.ts';

/** Pino's `logger.warn(obj, msg)` fits; anything else that takes the same arguments does too. */
export interface TwilioLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface TwilioServiceOptions {
  /** The store the connections and figures are kept in, and the clock the card's freshness is judged by. */
  ctx: Context;
  /** 32 bytes from `loadSecretKey`. */
  secretKey: Uint8Array;
  /** Twilio's API host; only tests and the demo point it elsewhere (`TALLY_TWILIO_API_URL`). */
  baseUrl?: string;
  /** The whole budget of one dashboard refresh, all requests and pages together. */
  timeoutMs?: number;
  /** How long figures count as current. */
  ttlMs?: number;
  /** After a failure, how long the card answers from what it has before asking Twilio again. */
  retryAfterFailureMs?: number;
  /** Budget of the credential check when connecting: a deliberate action, so it may wait a little longer. */
  verifyTimeoutMs?: number;
  logger?: TwilioLogger;
  fetch?: typeof fetch;
}

export const TWILIO_DEFAULTS = {
  timeoutMs: 2500,
  ttlMs: 60_000,
  retryAfterFailureMs: 15_000,
  verifyTimeoutMs: 5000,
} as const;

interface PartState<T> {
  figures: T | null;
  failure: { problem: TwilioProblem; retryAt: number } | null;
}

interface CacheEntry {
  /** Which connection these figures belong to: a reconnect starts a new entry. */
  connectionKey: string;
  balance: PartState<BalanceFigures>;
  usage: PartState<UsageFigures>;
}

const PARTS: readonly FiguresPart[] = ['balance', 'usage'];

const SILENT: TwilioLogger = { warn: () => {} };

/**
 * The customer's Twilio account on the dashboard: connect, disconnect, and the balance card.
 *
 * The card never waits on Twilio longer than `timeoutMs`, asks it at most once per `ttlMs` per
 * workspace however many dashboards are open, and when Twilio fails it shows the last figures it
 * had (from memory, else from the database) marked stale, with a problem saying why. The balance
 * and the usage are two parts, refreshed, cached and failing each on its own.
 */
export class TwilioService {
  private readonly ctx: Context;
  private readonly secretKey: Uint8Array;
  private readonly baseUrl: string | undefined;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly retryAfterFailureMs: number;
  private readonly verifyTimeoutMs: number;
  private readonly logger: TwilioLogger;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly refreshes = new SingleFlight<void>();

  constructor(options: TwilioServiceOptions) {
    this.ctx = options.ctx;
    this.secretKey = options.secretKey;
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? TWILIO_DEFAULTS.timeoutMs;
    this.ttlMs = options.ttlMs ?? TWILIO_DEFAULTS.ttlMs;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? TWILIO_DEFAULTS.retryAfterFailureMs;
    this.verifyTimeoutMs = options.verifyTimeoutMs ?? TWILIO_DEFAULTS.verifyTimeoutMs;
    this.logger = options.logger ?? SILENT;
    this.fetchImpl = options.fetch;
  }

  /**
   * Verifies the credentials with Twilio, then stores them (the secret sealed) in place of any
   * earlier connection. Nothing is stored when Twilio refuses them or cannot be asked.
   */
  async connect({
    workspaceId,
    credentials: input,
  }: {
    workspaceId: string;
    credentials: unknown;
  }): Promise<TwilioCard> {
    const now = this.ctx.clock();
    const credentials = validateCredentials(input);
    await requireWorkspace({ ctx: this.ctx, input: { workspaceId } });

    await this.verify(workspaceId, credentials);
    const secret = credentials.kind === 'auth_token' ? credentials.authToken : credentials.apiKeySecret;
    const connection = {
      workspaceId,
      accountSid: credentials.accountSid,
      authKind: credentials.kind,
      apiKeySid: credentials.kind === 'api_key' ? credentials.apiKeySid : null,
      secretSealed: sealSecret(this.secretKey, secret, sealContext(workspaceId, credentials.accountSid)),
      connectedAt: now,
    };
    await this.ctx.store.transaction((_tx, db) => saveConnection(db, connection));
    this.cache.delete(workspaceId);
    return this.card({ workspaceId });
  }

  /** Forgets the connection and its figures; disconnecting twice is not an error. */
  async disconnect({ workspaceId }: { workspaceId: string }): Promise<void> {
    await this.ctx.store.transaction((_tx, db) => deleteConnection(db, workspaceId));
    this.cache.delete(workspaceId);
  }

  /** The dashboard's Twilio card. Always answers; a Twilio failure shows in `problem`, never as an error. */
  async card({ workspaceId }: { workspaceId: string }): Promise<TwilioCard> {
    const now = this.ctx.clock();
    const { db } = this.ctx.store;
    const connection = await findConnection(db, workspaceId);
    if (!connection) {
      this.cache.delete(workspaceId);
      return NOT_CONNECTED;
    }
    const entry = this.entryFor(connection);
    if (this.partsToAsk(entry, now).length === 0) return this.draw(connection, entry, now);

    // Another process, or this one before a restart, may have stored newer figures.
    const stored = await findFigures(db, workspaceId);
    if (stored && stored.accountSid === connection.accountSid) {
      if (isNewer(stored.balance, entry.balance.figures)) entry.balance.figures = stored.balance;
      if (isNewer(stored.usage, entry.usage.figures)) entry.usage.figures = stored.usage;
    }
    if (this.partsToAsk(entry, now).length === 0) return this.draw(connection, entry, now);

    await this.refresh(connection, entry, now);
    return this.draw(connection, entry, now);
  }

  private entryFor(connection: TwilioConnection): CacheEntry {
    const key = connectionKey(connection);
    const existing = this.cache.get(connection.workspaceId);
    if (existing && existing.connectionKey === key) return existing;
    const entry: CacheEntry = {
      connectionKey: key,
      balance: { figures: null, failure: null },
      usage: { figures: null, failure: null },
    };
    this.cache.set(connection.workspaceId, entry);
    return entry;
  }

  private isFresh(figures: { fetchedAt: Date } | null, now: Date): boolean {
    return figures !== null && now.getTime() - figures.fetchedAt.getTime() < this.ttlMs;
  }

  /** The parts whose figures are not fresh and that are not waiting out a failure. */
  private partsToAsk(entry: CacheEntry, now: Date): FiguresPart[] {
    return PARTS.filter((part) => {
      const state = entry[part];
      if (this.isFresh(state.figures, now)) return false;
      return !(state.failure && now.getTime() < state.failure.retryAt);
    });
  }

  private view<T extends { fetchedAt: Date }>(state: PartState<T>, now: Date): PartView<T> {
    return { figures: state.figures, fresh: this.isFresh(state.figures, now), problem: state.failure?.problem ?? null };
  }

  private draw(connection: TwilioConnection, entry: CacheEntry, now: Date): TwilioCard {
    return drawCard({
      accountSid: connection.accountSid,
      authKind: connection.authKind,
      connectedAt: connection.connectedAt,
      balance: this.view(entry.balance, now),
      usage: this.view(entry.usage, now),
    });
  }

  /** One refresh per connection at a time: every caller that arrives meanwhile waits on the same one. */
  private refresh(connection: TwilioConnection, entry: CacheEntry, now: Date): Promise<void> {
    const key = `${connection.workspaceId}\u0000${entry.connectionKey}`;
    return this.refreshes.run(key, () => this.runRefresh(connection, entry, now));
  }

  private async runRefresh(connection: TwilioConnection, entry: CacheEntry, now: Date): Promise<void> {
    const parts = this.partsToAsk(entry, now);
    let credentials: TwilioCredentials;
    try {
      credentials = this.credentialsOf(connection);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      this.logger.warn(
        { workspaceId: connection.workspaceId, accountSid: connection.accountSid, problem: SECRET_UNREADABLE.code },
        'stored Twilio secret does not open with the configured secret key',
      );
      for (const part of parts) {
        entry[part].failure = { problem: SECRET_UNREADABLE, retryAt: now.getTime() + this.retryAfterFailureMs };
      }
      return;
    }
    const client = this.client(credentials);
    // One deadline for the whole refresh, both parts and every page.
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const { db } = this.ctx.store;
    const { workspaceId, accountSid } = connection;
    await Promise.all([
      parts.includes('balance')
        ? this.refreshPart(connection, entry, now, 'balance', entry.balance, {
            read: () => readBalance(client, now, deadline),
            save: (figures) => saveBalance(db, workspaceId, accountSid, figures),
          })
        : undefined,
      parts.includes('usage')
        ? this.refreshPart(connection, entry, now, 'usage', entry.usage, {
            read: () => readUsage(client, now, deadline),
            save: (figures) => saveUsage(db, workspaceId, accountSid, figures),
          })
        : undefined,
    ]);
  }

  private async refreshPart<T>(
    connection: TwilioConnection,
    entry: CacheEntry,
    now: Date,
    part: FiguresPart,
    state: PartState<T>,
    io: { read: () => Promise<T>; save: (figures: T) => Promise<void> },
  ): Promise<void> {
    let figures: T;
    try {
      figures = await io.read();
    } catch (error) {
      if (!(error instanceof TwilioRequestError)) throw error;
      const problem = problemFor(error, this.timeoutMs, part);
      const wait = Math.max(this.retryAfterFailureMs, error.details.retryAfterMs ?? 0);
      state.failure = { problem, retryAt: now.getTime() + wait };
      this.logger.warn(
        {
          workspaceId: connection.workspaceId,
          accountSid: connection.accountSid,
          part,
          problem: problem.code,
          status: error.details.status,
          twilioCode: error.details.twilioCode,
          path: error.details.path,
        },
        `Twilio refresh of the ${part} failed: ${error.message}`,
      );
      return;
    }
    state.figures = figures;
    state.failure = null;
    try {
      // A disconnect or reconnect while Twilio was answering makes these figures another connection's.
      const current = await findConnection(this.ctx.store.db, connection.workspaceId);
      if (current && connectionKey(current) === entry.connectionKey) await io.save(figures);
    } catch (error) {
      // The figures are still served from memory; only the restart fallback misses this refresh.
      this.logger.warn(
        { workspaceId: connection.workspaceId, part, error: error instanceof Error ? error.message : String(error) },
        'could not store Twilio figures',
      );
    }
  }

  private credentialsOf(connection: TwilioConnection): TwilioCredentials {
    const secret = openSecret(
      this.secretKey,
      connection.secretSealed,
      sealContext(connection.workspaceId, connection.accountSid),
    );
    return connection.authKind === 'api_key' && connection.apiKeySid !== null
      ? { kind: 'api_key', accountSid: connection.accountSid, apiKeySid: connection.apiKeySid, apiKeySecret: secret }
      : { kind: 'auth_token', accountSid: connection.accountSid, authToken: secret };
  }

  private client(credentials: TwilioCredentials): TwilioClient {
    return new TwilioClient({
      credentials,
      ...(this.baseUrl !== undefined ? { baseUrl: this.baseUrl } : {}),
      ...(this.fetchImpl !== undefined ? { fetch: this.fetchImpl } : {}),
    });
  }

  private async verify(workspaceId: string, credentials: TwilioCredentials): Promise<void> {
    const accountSid = credentials.accountSid;
    try {
      const account = await this.client(credentials).fetchAccount(AbortSignal.timeout(this.verifyTimeoutMs));
      if (account.sid !== accountSid) {
        throw new TallyError(
          'twilio_credentials_rejected',
          `Twilio answered for account ${account.sid}, not ${accountSid}. Check the Account SID.`,
          { accountSid },
        );
      }
    } catch (error) {
      if (!(error instanceof TwilioRequestError)) throw error;
      this.logger.warn(
        {
          workspaceId,
          accountSid,
          kind: error.kind,
          status: error.details.status,
          twilioCode: error.details.twilioCode,
        },
        'Twilio did not verify credentials',
      );
      // 401, 403 or 404 on the account itself: these credentials do not open this account.
      if (error.kind === 'credentials_rejected' || error.kind === 'forbidden' || error.kind === 'not_found') {
        throw new TallyError(
          'twilio_credentials_rejected',
          credentials.kind === 'auth_token'
            ? `Twilio did not accept this Auth Token for account ${accountSid}. Copy the Account SID and Auth Token from the Twilio Console and try again.`
            : `Twilio did not accept this API key for account ${accountSid}. Check the API key SID and secret (and that the key belongs to this account) and try again.`,
          { accountSid, ...(error.details.twilioCode !== undefined ? { twilioCode: error.details.twilioCode } : {}) },
        );
      }
      throw new TallyError(
        'twilio_unavailable',
        `Twilio could not verify the credentials right now (${error.kind.replace('_', ' ')}); nothing was saved. Try again in a moment.`,
        { accountSid, reason: error.kind },
      );
    }
  }
}

/** Binds a sealed secret to its row: the same ciphertext under another workspace or account does not open. */
function sealContext(workspaceId: string, accountSid: string): string {
  return `tally/twilio/v1\u0000${workspaceId}\u0000${accountSid}`;
}

function isNewer(stored: { fetchedAt: Date } | null, held: { fetchedAt: Date } | null): boolean {
  return stored !== null && (held === null || stored.fetchedAt.getTime() > held.fetchedAt.getTime());
}

function connectionKey(connection: TwilioConnection): string {
  return `${connection.accountSid}@${connection.connectedAt.getTime()}`;
}

import { performance } from 'node:perf_hooks';
import { randomId } from '../ledger/random-id.ts';
import { SecretBoxError } from '../secrets/secret-box.ts';
import type { Db } from '../store/schema.ts';
import type { AlertsContext } from './context.ts';
import { claimDue } from './outbox-claim.ts';
import { MAX_ATTEMPTS, settleAttempt } from './retry-schedule.ts';
import { SIGNATURE_HEADER, signTallyPayload, standardWebhookHeaders } from './signature.ts';
import { openSigningSecret } from './signing-secrets.ts';

export interface DeliveryOptions {
  /** How long one POST may take, connection to last byte read. */
  timeoutMs?: number;
  /** Deliveries claimed per round. */
  batchSize?: number;
  /** How long a claimed delivery stays reserved for its worker; if the worker dies, another retries it after this. */
  leaseMs?: number;
  maxAttempts?: number;
  /** [0, 1), for the retry jitter. */
  random?: () => number;
}

export interface DeliveryRound {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
  cancelled: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BATCH_SIZE = 20;
const DEFAULT_LEASE_MS = 60_000;
const EXCERPT_CHARS = 512;

interface Claimed {
  id: string;
  attempts: number;
  event_id: string;
  type: string;
  workspace_id: string;
  data: string;
  event_created_at: number;
  subscription_id: string;
  url: string;
  /** Sealed: see signing-secrets.ts. */
  secret: string;
  deleted_at: number | null;
}

type Outcome = 'delivered' | 'retrying' | 'failed' | 'cancelled';

async function readExcerpt(response: Response): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return null;
  const decoder = new TextDecoder();
  let text = '';
  while (text.length < EXCERPT_CHARS) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text.slice(0, EXCERPT_CHARS) || null;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return `connection failed: ${cause.code}`;
  return typeof cause?.message === 'string' ? cause.message : error.message;
}

interface PostResult {
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
  durationMs: number;
}

async function post(row: Claimed, secret: string, now: Date, timeoutMs: number): Promise<PostResult> {
  const body = JSON.stringify({
    id: row.event_id,
    type: row.type,
    createdAt: new Date(Number(row.event_created_at)).toISOString(),
    workspaceId: row.workspace_id,
    data: JSON.parse(row.data) as unknown,
  });
  const started = performance.now();
  try {
    const response = await fetch(row.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tally-Webhooks/1',
        ...standardWebhookHeaders(secret, row.event_id, body, now),
        [SIGNATURE_HEADER]: signTallyPayload(secret, body, now),
        'Tally-Event-Id': row.event_id,
        'Tally-Event-Type': row.type,
        'Tally-Delivery-Id': row.id,
        'Tally-Delivery-Attempt': String(row.attempts + 1),
      },
      body,
      // A redirect could point the signed event anywhere; the receiver's URL is the one the operator gave.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = await readExcerpt(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      statusCode: response.status,
      error: ok
        ? null
        : `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`,
      excerpt,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return {
      statusCode: null,
      error: describeFailure(error, timeoutMs),
      excerpt: null,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** Signs and sends; a secret that no longer opens (TALLY_SECRET_KEY changed) is a failed attempt, never an unsigned POST. */
async function send(row: Claimed, secretKey: Uint8Array, now: Date, timeoutMs: number): Promise<PostResult> {
  let secret: string;
  try {
    secret = openSigningSecret(secretKey, row.subscription_id, row.secret);
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    return {
      statusCode: null,
      error: 'not sent: the signing secret does not open with this TALLY_SECRET_KEY; create the subscription again',
      excerpt: null,
      durationMs: 0,
    };
  }
  return post(row, secret, now, timeoutMs);
}

async function attempt(
  ctx: AlertsContext,
  row: Claimed,
  now: Date,
  token: string,
  options: Required<DeliveryOptions>,
): Promise<Outcome> {
  const { store, secretKey } = ctx;
  const mine = (trx: Db) =>
    trx
      .updateTable('webhook_deliveries')
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .where('lease_token', '=', token);
  if (row.deleted_at !== null) {
    await mine(store.db).set({ status: 'cancelled', lease_token: null }).execute();
    return 'cancelled';
  }
  const result = await send(row, secretKey, now, options.timeoutMs);
  const number = row.attempts + 1;
  const { outcome, fields } = settleAttempt(result.error, number, options.maxAttempts, now, options.random());
  await store.transaction(async (_tx, trx) => {
    await trx
      .insertInto('webhook_attempts')
      .values({
        workspace_id: row.workspace_id,
        delivery_id: row.id,
        attempt: number,
        at: now.getTime(),
        status_code: result.statusCode,
        error: result.error,
        response_excerpt: result.excerpt,
        duration_ms: result.durationMs,
      })
      .execute();
    await mine(trx)
      .set({
        attempts: number,
        lease_token: null,
        last_attempt_at: now.getTime(),
        last_status_code: result.statusCode,
        last_error: result.error,
        ...fields,
      })
      .execute();
  });
  return outcome;
}

/**
 * One round of the outbox: claims what is due now, POSTs each signed event, and records each
 * attempt in the delivery log. A failed attempt is retried later on the backoff schedule until
 * `maxAttempts`; a 2xx answer ends it. At least once: a receiver should ignore an event id it has seen.
 */
export async function deliverDue({
  ctx,
  input: options = {},
}: {
  ctx: AlertsContext;
  input?: DeliveryOptions;
}): Promise<DeliveryRound> {
  const now = ctx.clock();
  const { store } = ctx;
  const settings: Required<DeliveryOptions> = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    random: options.random ?? Math.random,
  };
  const round: DeliveryRound = { claimed: 0, delivered: 0, retrying: 0, failed: 0, cancelled: 0 };
  const token = randomId('lease');
  round.claimed = await claimDue(store, 'webhook_deliveries', {
    now: now.getTime(),
    token,
    batch: settings.batchSize,
    leaseMs: Math.max(settings.leaseMs, settings.timeoutMs * 2),
  });
  if (round.claimed === 0) return round;
  const rows = await store.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', (join) =>
      join.onRef('e.workspace_id', '=', 'd.workspace_id').onRef('e.id', '=', 'd.event_id'),
    )
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select([
      'd.id',
      'd.attempts',
      'd.event_id',
      'e.type',
      'd.workspace_id',
      'e.data',
      'e.created_at as event_created_at',
      'd.subscription_id',
      's.url',
      's.secret',
      's.deleted_at',
    ])
    .where('d.lease_token', '=', token)
    .execute();
  const outcomes = await Promise.all(rows.map((row) => attempt(ctx, row, now, token, settings)));
  for (const outcome of outcomes) round[outcome] += 1;
  return round;
}

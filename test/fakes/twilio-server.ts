import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { demoAccount } from './twilio-demo-account.ts';
import { bodyProblems, type MatchedOperation, matchOperation, queryProblem } from './twilio-spec.ts';
import {
  buckets,
  day,
  FAKE_CATEGORIES,
  type FakeDayUsage,
  type NullableRecordField,
  type RecordStyle,
  usageRecord,
} from './twilio-usage.ts';

export type { FakeDayUsage, NullableRecordField } from './twilio-usage.ts';

/**
 * A stand-in for Twilio's REST API (2010-04-01) on loopback that follows Twilio's own description
 * of it (twilio-oai/, read through twilio-spec.ts): only the paths and query parameters described
 * there are served; any other path is a 404 and any unknown or ill-typed parameter (a bad date, a
 * PageSize over 1000) a 400, both with Twilio's error JSON `{code, message, more_info, status}`.
 * Every 200 body is checked against the description's schema before it is sent; one that does not
 * fit is answered 500 and recorded in `violations`, so a test of the fake's own mistake fails.
 *
 * Basic auth with an Account SID and Auth Token or an API key SID and secret. Switches make it
 * slow, down, failing one list only, rate limiting, refusing credentials, paging small, sending
 * prices as numbers, null fields, or absolute page links. It logs requests so tests can see caching,
 * single-flight, and that every request Tally made was one Twilio describes (`invalidRequests`).
 *
 * Standalone for the demo: `tsx test/fakes/twilio-server.ts --port 4010` prints its URL first.
 */

export interface FakeTwilioAccount {
  sid: string;
  authToken: string;
  /** API key SID (`SK...`) → secret. */
  apiKeys?: Record<string, string>;
  friendlyName?: string;
  /** Makes this a subaccount of that account: no balance of its own, and its usage counts in the parent's unless IncludeSubaccounts=false. */
  parentSid?: string;
  /** A decimal string, as Twilio sends it. */
  balance?: string;
  /** Null sends the balance's currency as null, which the description allows. */
  currency?: string | null;
  /** Usage per UTC day (`YYYY-MM-DD`); a day without an entry used nothing. */
  usage?: Record<string, FakeDayUsage> | ((day: string) => FakeDayUsage | undefined);
}

/**
 * - `refused`: the port stops listening (connection refused) until another failure is set;
 * - `unavailable`: 503; `server_error`: 500; `not_found`: 404; `rate_limited`: 429, code 20429;
 * - `reject_credentials`: 401, code 20003, whatever credentials are sent; `forbidden`: 403, code 20403.
 */
export type FakeFailure =
  | 'none'
  | 'refused'
  | 'unavailable'
  | 'server_error'
  | 'not_found'
  | 'rate_limited'
  | 'reject_credentials'
  | 'forbidden';

/** Which resources `failure` and `delayMs` apply to: all, the Balance only, or the usage lists only. */
export type FakeTarget = 'all' | 'balance' | 'usage';

export interface FakeTwilioSettings {
  /** Answers to the targeted resources wait this long first. */
  delayMs: number;
  failure: FakeFailure;
  affects: FakeTarget;
  /** Caps the page size below what the client asks for, to exercise paging. */
  maxPageSize: number;
  /** Sent as `Retry-After` with a 429 when set. */
  retryAfterSeconds: number | null;
  /** How a usage record's `price` is written: Twilio's examples use strings, its schema says number. */
  priceAs: 'string' | 'number';
  /** Nullable usage record fields to send as null. */
  nullFields: NullableRecordField[];
  /** Page links relative to the API host (as Twilio's examples) or absolute URLs. */
  pageLinks: 'relative' | 'absolute';
}

export interface FakeTwilioOptions {
  port?: number;
  host?: string;
  accounts?: FakeTwilioAccount[];
  /** The fake's idea of today, for date ranges. */
  now?: () => Date;
  settings?: Partial<FakeTwilioSettings>;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The Basic auth user (an Account SID or API key SID); the password is never kept. */
  user: string | null;
  status: number;
  /** Why Twilio's description does not allow this request, when it does not. */
  invalid?: string;
}

type Answer = [number, unknown, Record<string, string>];

const API = '/2010-04-01';
const DEFAULT_SETTINGS: FakeTwilioSettings = {
  delayMs: 0,
  failure: 'none',
  affects: 'all',
  maxPageSize: 1000,
  retryAfterSeconds: null,
  priceAs: 'string',
  nullFields: [],
  pageLinks: 'relative',
};

/** The paths a client of one account asks for, to count requests by. */
export function twilioPaths(accountSid: string) {
  const account = `${API}/Accounts/${accountSid}`;
  return {
    account: `${account}.json`,
    balance: `${account}/Balance.json`,
    records: `${account}/Usage/Records.json`,
    daily: `${account}/Usage/Records/Daily.json`,
  };
}

function rfc2822(at: Date): string {
  return at.toUTCString().replace('GMT', '+0000');
}

function targetOf(operation: MatchedOperation): FakeTarget {
  if (operation.template.endsWith('/Balance.json')) return 'balance';
  return operation.template.includes('/Usage/') ? 'usage' : 'all';
}

export class FakeTwilio {
  private readonly server: Server;
  private readonly accounts = new Map<string, FakeTwilioAccount>();
  private readonly counts = new Map<string, number>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly now: () => Date;
  private settings: FakeTwilioSettings;
  private listening = false;
  readonly requests: FakeRequest[] = [];
  /** 200 bodies the fake built that Twilio's schema does not allow: each one is a bug in the fake. */
  readonly violations: string[] = [];
  readonly host: string;
  port = 0;

  private constructor(options: FakeTwilioOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.now = options.now ?? (() => new Date());
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    for (const account of options.accounts ?? []) this.addAccount(account);
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  static async start(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
    const fake = new FakeTwilio(options);
    await fake.listen(options.port ?? 0);
    if (fake.settings.failure === 'refused') await fake.goDown();
    return fake;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  addAccount(account: FakeTwilioAccount): void {
    this.accounts.set(account.sid, account);
  }

  get current(): Readonly<FakeTwilioSettings> {
    return this.settings;
  }

  /** Changes switches; `refused` closes the port and any other failure opens it again on the same port. */
  async set(settings: Partial<FakeTwilioSettings>): Promise<void> {
    this.settings = { ...this.settings, ...settings };
    if (this.settings.failure === 'refused' && this.listening) await this.goDown();
    if (this.settings.failure !== 'refused' && !this.listening) await this.listen(this.port);
  }

  /** Requests received for a path (any query), or for one usage `Category` of it. */
  count(path: string, category?: string): number {
    return this.counts.get(category === undefined ? path : `${path}?Category=${category}`) ?? 0;
  }

  get totalRequests(): number {
    return this.requests.length;
  }

  /** Requests Twilio's description does not allow: unknown paths, unknown or ill-typed parameters. */
  get invalidRequests(): FakeRequest[] {
    return this.requests.filter((r) => r.invalid !== undefined);
  }

  resetCounts(): void {
    this.counts.clear();
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    if (this.listening) await this.goDown();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private goDown(): Promise<void> {
    return new Promise((resolve) => {
      this.listening = false;
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/__fake/')) {
      void this.control(req, res, url.pathname);
      return;
    }
    const query = Object.fromEntries(url.searchParams.entries());
    this.counts.set(url.pathname, (this.counts.get(url.pathname) ?? 0) + 1);
    if (query.Category !== undefined) {
      const key = `${url.pathname}?Category=${query.Category}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    const operation = req.method === 'GET' ? matchOperation(url.pathname) : null;
    const invalid =
      req.method !== 'GET'
        ? `Twilio's description has no ${req.method} here`
        : operation === null
          ? 'Twilio describes no such path'
          : (queryProblem(operation.template, url.searchParams) ?? undefined);
    const answer = () => {
      const [status, body, headers] = this.respond(req, url, operation, invalid);
      this.requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        user: basicUser(req),
        status,
        ...(invalid !== undefined ? { invalid } : {}),
      });
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'twilio-request-id': `RQ${randomBytes(16).toString('hex')}`,
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    const targeted = this.settings.affects === 'all' || (operation && targetOf(operation) === this.settings.affects);
    if (this.settings.delayMs <= 0 || !targeted) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      answer();
    }, this.settings.delayMs);
    this.pendingTimers.add(timer);
  }

  private respond(
    req: IncomingMessage,
    url: URL,
    operation: MatchedOperation | null,
    invalid: string | undefined,
  ): Answer {
    const account = this.authenticate(req);
    const pathSid = operation?.pathParams.Sid ?? operation?.pathParams.AccountSid;
    if (this.settings.failure === 'reject_credentials' || !account || (pathSid && pathSid !== account.sid)) {
      return twilioError(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    if (req.method !== 'GET') return twilioError(405, 20004, 'Method not allowed');
    if (!operation) return twilioError(404, 20404, `The requested resource ${url.pathname} was not found`);
    if (invalid !== undefined) return twilioError(400, 20001, invalid);
    if (this.settings.affects === 'all' || targetOf(operation) === this.settings.affects) {
      const failed = this.failure(url);
      if (failed) return failed;
    }
    const body = this.resource(account, operation, url);
    const problems = bodyProblems(operation.template, body);
    if (problems.length > 0) {
      const message = `the fake's answer to GET ${url.pathname} breaks Twilio's schema: ${problems.join('; ')}`;
      this.violations.push(message);
      return twilioError(500, 20500, message);
    }
    return [200, body, {}];
  }

  private failure(url: URL): Answer | null {
    switch (this.settings.failure) {
      case 'unavailable':
        return twilioError(503, 20503, 'Service Unavailable');
      case 'server_error':
        return twilioError(500, 20500, 'Internal Server Error');
      case 'not_found':
        return twilioError(404, 20404, `The requested resource ${url.pathname} was not found`);
      case 'forbidden':
        return twilioError(403, 20403, 'Forbidden');
      case 'rate_limited': {
        const retry = this.settings.retryAfterSeconds;
        return twilioError(429, 20429, 'Too Many Requests', retry === null ? {} : { 'retry-after': String(retry) });
      }
      default:
        return null;
    }
  }

  private resource(account: FakeTwilioAccount, operation: MatchedOperation, url: URL): unknown {
    const list = /\/Usage\/Records(?:\/(\w+))?\.json$/.exec(operation.template);
    if (list) return this.usagePage(account, list[1] ?? 'Records', url);
    if (operation.template.endsWith('/Balance.json')) {
      // A subaccount's Balance carries no figures: Twilio keeps the money on the parent account.
      const own = account.parentSid === undefined;
      return {
        account_sid: account.sid,
        balance: own ? (account.balance ?? '0.00') : null,
        currency: own ? (account.currency === undefined ? 'USD' : account.currency) : null,
      };
    }
    return this.accountBody(account);
  }

  private authenticate(req: IncomingMessage): FakeTwilioAccount | null {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return null;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const direct = this.accounts.get(user);
    if (direct) return direct.authToken === password ? direct : null;
    for (const account of this.accounts.values()) {
      if (account.apiKeys?.[user] !== undefined && account.apiKeys[user] === password) return account;
    }
    return null;
  }

  private accountBody(account: FakeTwilioAccount): unknown {
    const base = `${API}/Accounts/${account.sid}`;
    const created = rfc2822(new Date(Date.UTC(2023, 2, 14, 9, 30)));
    return {
      // Twilio returns the Auth Token in this body; a client must not keep or log it.
      auth_token: account.authToken,
      date_created: created,
      date_updated: created,
      friendly_name: account.friendlyName ?? `${account.sid}'s account`,
      owner_account_sid: account.parentSid ?? account.sid,
      sid: account.sid,
      status: 'active',
      subresource_uris: {
        balance: `${base}/Balance.json`,
        calls: `${base}/Calls.json`,
        usage_records: `${base}/Usage/Records.json`,
        usage_triggers: `${base}/Usage/Triggers.json`,
      },
      type: 'Full',
      uri: `${base}.json`,
    };
  }

  /** The account's own usage on a day, and its subaccounts' unless they are left out. */
  private usageOn(account: FakeTwilioAccount, date: string, withSubaccounts: boolean): FakeDayUsage[] {
    const own = (a: FakeTwilioAccount) => (typeof a.usage === 'function' ? a.usage(date) : a.usage?.[date]);
    const children = withSubaccounts ? [...this.accounts.values()].filter((a) => a.parentSid === account.sid) : [];
    return [account, ...children].map(own).filter((u): u is FakeDayUsage => u !== undefined);
  }

  private usagePage(account: FakeTwilioAccount, list: string, url: URL): unknown {
    const params = url.searchParams;
    const now = this.now();
    const withSubaccounts = params.get('IncludeSubaccounts') !== 'false';
    const category = params.get('Category');
    const categories = category === null ? FAKE_CATEGORIES : [category];
    const style: RecordStyle = { priceAs: this.settings.priceAs, nullFields: this.settings.nullFields };
    const all = buckets(list, params, day(now)).flatMap((range) =>
      categories.map((c) =>
        usageRecord({
          accountSid: account.sid,
          category: c,
          range,
          usageOf: (d) => this.usageOn(account, d, withSubaccounts),
          currency: account.currency ?? 'USD',
          asOf: now,
          style,
        }),
      ),
    );
    const pageSize = Math.min(Number(params.get('PageSize') ?? '50'), this.settings.maxPageSize);
    const page = Number(params.get('Page') ?? '0');
    const link = (n: number) => {
      const next = new URLSearchParams(params);
      next.set('PageSize', String(pageSize));
      next.set('Page', String(n));
      if (n > 0) next.set('PageToken', `PA${n * pageSize}`);
      else next.delete('PageToken');
      const path = `${url.pathname}?${next.toString()}`;
      return this.settings.pageLinks === 'absolute' ? `${this.url}${path}` : path;
    };
    const start = page * pageSize;
    const items = all.slice(start, start + pageSize);
    return {
      end: start + Math.max(items.length - 1, 0),
      first_page_uri: link(0),
      next_page_uri: start + pageSize < all.length ? link(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? link(page - 1) : null,
      start,
      uri: link(page),
      usage_records: items,
    };
  }

  /** `POST /__fake/settings` with a JSON body of switches (`forSeconds` undoes them later); `GET` shows them. */
  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/__fake/requests') return send(200, Object.fromEntries(this.counts));
    if (path !== '/__fake/settings') return send(404, { error: 'unknown control path' });
    if (req.method === 'GET') return send(200, this.settings);
    let text = '';
    for await (const chunk of req) text += chunk;
    const { forSeconds, ...change } = JSON.parse(text || '{}') as Partial<FakeTwilioSettings> & { forSeconds?: number };
    const before = { ...this.settings };
    send(200, { ...this.settings, ...change });
    // A refused port cannot take the request that reopens it, so `refused` always comes back on its own.
    const undoAfter = forSeconds ?? (change.failure === 'refused' ? 30 : undefined);
    setImmediate(() => void this.set(change));
    if (undoAfter !== undefined) {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        void this.set(before);
      }, undoAfter * 1000);
      this.pendingTimers.add(timer);
    }
  }
}

function basicUser(req: IncomingMessage): string | null {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(0, colon);
}

function twilioError(status: number, code: number, message: string, headers: Record<string, string> = {}): Answer {
  return [status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      delay: { type: 'string', default: '0' },
      failure: { type: 'string', default: 'none' },
    },
  });
  const failures: FakeFailure[] = [
    'none',
    'refused',
    'unavailable',
    'server_error',
    'not_found',
    'rate_limited',
    'reject_credentials',
    'forbidden',
  ];
  const failure = failures.find((f) => f === values.failure);
  if (!failure) throw new Error(`--failure must be one of ${failures.join(', ')}`);
  const account = demoAccount();
  const fake = await FakeTwilio.start({
    port: Number(values.port),
    host: values.host,
    accounts: [account],
    settings: { delayMs: Number(values.delay), failure: failure === 'refused' ? 'none' : failure },
  });
  console.log(fake.url);
  console.log(`Fake Twilio listening on ${fake.url} (set TALLY_TWILIO_API_URL=${fake.url})`);
  console.log(`Demo account: ${account.sid}  auth token: ${account.authToken}`);
  console.log(`Switches: curl -X POST ${fake.url}/__fake/settings -d '{"failure":"rate_limited","forSeconds":60}'`);
  const shutdown = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

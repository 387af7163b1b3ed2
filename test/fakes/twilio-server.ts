import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { demoAccount } from './twilio-demo-account.ts';

/**
 * A stand-in for Twilio's REST API (2010-04-01) on loopback, speaking its wire format: Basic auth
 * with an Account SID and Auth Token or an API key SID and secret, the same paths, snake_case
 * fields with amounts and counts as strings, the paging envelope, and Twilio's error JSON
 * `{code, message, more_info, status}`. Switches make it slow, down, rate limiting or refusing
 * credentials; it counts requests so tests can see caching and single-flight.
 *
 * Standalone for the demo: `tsx test/fakes/twilio-server.ts --port 4010` prints its URL first.
 */

export interface FakeDayUsage {
  calls: number;
  minutes: number;
  /** Decimal strings, as Twilio sends them. */
  callPrice: string;
  totalPrice: string;
}

export interface FakeTwilioAccount {
  sid: string;
  authToken: string;
  /** API key SID (`SK...`) → secret. */
  apiKeys?: Record<string, string>;
  friendlyName?: string;
  /** Null makes it a subaccount: its Balance resource is not found. */
  balance?: string | null;
  currency?: string;
  /** Usage per UTC day (`YYYY-MM-DD`); a day without an entry used nothing. */
  usage?: Record<string, FakeDayUsage> | ((day: string) => FakeDayUsage | undefined);
}

/**
 * - `refused`: the port stops listening (connection refused) until another failure is set;
 * - `unavailable`: 503 with Twilio's error body; `rate_limited`: 429, code 20429;
 * - `reject_credentials`: 401, code 20003, whatever credentials are sent.
 */
export type FakeFailure = 'none' | 'refused' | 'unavailable' | 'rate_limited' | 'reject_credentials';

export interface FakeTwilioSettings {
  /** Every answer waits this long first. */
  delayMs: number;
  failure: FakeFailure;
  /** Caps the page size below what the client asks for, to exercise paging. */
  maxPageSize: number;
  /** Sent as `Retry-After` with a 429 when set. */
  retryAfterSeconds: number | null;
}

export interface FakeTwilioOptions {
  port?: number;
  host?: string;
  accounts?: FakeTwilioAccount[];
  /** The fake's idea of today, for Last30Days and default date ranges. */
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
}

const API = '/2010-04-01';
const DAY_MS = 86_400_000;
const DEFAULT_SETTINGS: FakeTwilioSettings = {
  delayMs: 0,
  failure: 'none',
  maxPageSize: 1000,
  retryAfterSeconds: null,
};

/** The paths a client of one account asks for, to count requests by. */
export function twilioPaths(accountSid: string) {
  const account = `${API}/Accounts/${accountSid}`;
  return {
    account: `${account}.json`,
    balance: `${account}/Balance.json`,
    last30Days: `${account}/Usage/Records/Last30Days.json`,
    daily: `${account}/Usage/Records/Daily.json`,
  };
}

function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Exact decimal sum at micro-unit precision, independent of the code under test. */
function sumPrices(prices: readonly string[]): string {
  let micros = 0n;
  for (const price of prices) {
    const [whole = '0', fraction = ''] = price.split('.');
    micros += BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  }
  const text = `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
  return text.replace(/0{1,4}$/, '');
}

function rfc2822(at: Date): string {
  return at.toUTCString().replace('GMT', '+0000');
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
    const user = basicUser(req);
    this.counts.set(url.pathname, (this.counts.get(url.pathname) ?? 0) + 1);
    if (query.Category !== undefined) {
      const key = `${url.pathname}?Category=${query.Category}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    const answer = () => {
      const [status, body, headers] = this.respond(req, url);
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, user, status });
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'twilio-request-id': `RQ${randomBytes(16).toString('hex')}`,
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    if (this.settings.delayMs <= 0) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      answer();
    }, this.settings.delayMs);
    this.pendingTimers.add(timer);
  }

  private respond(req: IncomingMessage, url: URL): [number, unknown, Record<string, string>] {
    const { failure } = this.settings;
    if (failure === 'unavailable') return twilioError(503, 20503, 'Service Unavailable');
    if (failure === 'rate_limited') {
      const [status, body] = twilioError(429, 20429, 'Too Many Requests');
      const retry = this.settings.retryAfterSeconds;
      return [status, body, retry === null ? {} : { 'retry-after': String(retry) }];
    }
    if (req.method !== 'GET') return twilioError(405, 20004, 'Method not allowed');

    const match =
      /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})(\.json|\/Balance\.json|\/Usage\/Records\/(Last30Days|Daily)\.json)$/.exec(
        url.pathname,
      );
    const account = this.authenticate(req);
    if (failure === 'reject_credentials' || !account || (match && match[1] !== account.sid)) {
      return twilioError(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    if (!match) return twilioError(404, 20404, `The requested resource ${url.pathname} was not found`);
    if (match[2] === '.json') return [200, this.accountBody(account), {}];
    if (match[2] === '/Balance.json') {
      if (account.balance === null)
        return twilioError(404, 20404, `The requested resource ${url.pathname} was not found`);
      return [
        200,
        { account_sid: account.sid, balance: account.balance ?? '0.00', currency: account.currency ?? 'USD' },
        {},
      ];
    }
    return this.usagePage(account, match[3] === 'Daily' ? 'Daily' : 'Last30Days', url);
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
      owner_account_sid: account.sid,
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

  private usageOn(account: FakeTwilioAccount, date: string): FakeDayUsage | undefined {
    const usage = account.usage;
    if (!usage) return undefined;
    return typeof usage === 'function' ? usage(date) : usage[date];
  }

  private usagePage(
    account: FakeTwilioAccount,
    period: 'Daily' | 'Last30Days',
    url: URL,
  ): [number, unknown, Record<string, string>] {
    const params = url.searchParams;
    const today = day(this.now());
    const categories = params.get('Category') ? [params.get('Category') ?? ''] : ['calls', 'totalprice'];
    let all: unknown[];
    if (period === 'Last30Days') {
      const days = this.range(this.offset(today, -29), today);
      all = categories.map((category) => this.record(account, category, days));
    } else {
      const start = this.parseDate(params.get('StartDate'), today, -29);
      const end = this.parseDate(params.get('EndDate'), today, 0);
      if (!start || !end) return twilioError(400, 20001, 'Invalid date: use YYYY-MM-DD or an offset such as -30days');
      all = [];
      for (const date of this.range(start, end)) {
        for (const category of categories) all.push(this.record(account, category, [date]));
      }
    }
    const requested = Number(params.get('PageSize') ?? '50');
    const pageSize = Math.max(1, Math.min(Number.isFinite(requested) ? requested : 50, this.settings.maxPageSize));
    const page = Math.max(0, Number(params.get('Page') ?? '0') || 0);
    const pageUri = (n: number) => {
      const next = new URLSearchParams(params);
      next.set('PageSize', String(pageSize));
      next.set('Page', String(n));
      return `${url.pathname}?${next.toString()}`;
    };
    const start = page * pageSize;
    const items = all.slice(start, start + pageSize);
    const hasNext = start + pageSize < all.length;
    return [
      200,
      {
        first_page_uri: pageUri(0),
        end: start + Math.max(items.length - 1, 0),
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
        uri: pageUri(page),
        page_size: pageSize,
        start,
        usage_records: items,
        next_page_uri: hasNext ? pageUri(page + 1) : null,
        page,
      },
      {},
    ];
  }

  private record(account: FakeTwilioAccount, category: string, days: readonly string[]): unknown {
    const used = days.map((d) => this.usageOn(account, d)).filter((u): u is FakeDayUsage => u !== undefined);
    const first = days[0] ?? '';
    const last = days[days.length - 1] ?? '';
    const base = {
      account_sid: account.sid,
      api_version: '2010-04-01',
      as_of: `${day(this.now())}T${this.now().toISOString().slice(11, 19)}+00:00`,
      category,
      start_date: first,
      end_date: last,
      price_unit: (account.currency ?? 'USD').toLowerCase(),
      uri: `${API}/Accounts/${account.sid}/Usage/Records.json?Category=${category}&StartDate=${first}&EndDate=${last}`,
      subresource_uris: {
        all_time: `${API}/Accounts/${account.sid}/Usage/Records/AllTime.json?Category=${category}`,
        daily: `${API}/Accounts/${account.sid}/Usage/Records/Daily.json?Category=${category}`,
        last_month: `${API}/Accounts/${account.sid}/Usage/Records/LastMonth.json?Category=${category}`,
      },
    };
    if (category === 'totalprice') {
      const price = sumPrices(used.map((u) => u.totalPrice));
      return {
        ...base,
        description: 'Total Price',
        count: '0',
        count_unit: '',
        usage: price,
        usage_unit: base.price_unit,
        price,
      };
    }
    if (category === 'calls') {
      return {
        ...base,
        description: 'Voice Minutes',
        count: String(used.reduce((n, u) => n + u.calls, 0)),
        count_unit: 'calls',
        usage: String(used.reduce((n, u) => n + u.minutes, 0)),
        usage_unit: 'minutes',
        price: sumPrices(used.map((u) => u.callPrice)),
      };
    }
    return { ...base, description: category, count: '0', count_unit: '', usage: '0', usage_unit: '', price: '0' };
  }

  private offset(date: string, days: number): string {
    return day(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
  }

  private parseDate(value: string | null, today: string, fallback: number): string | null {
    if (value === null || value === '') return this.offset(today, fallback);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    const relative = /^([+-]\d+)days$/.exec(value);
    return relative ? this.offset(today, Number(relative[1])) : null;
  }

  private range(from: string, to: string): string[] {
    const days: string[] = [];
    for (let d = from; d <= to && days.length < 1000; d = this.offset(d, 1)) days.push(d);
    return days;
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

function twilioError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): [number, unknown, Record<string, string>] {
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
  const failures: FakeFailure[] = ['none', 'refused', 'unavailable', 'rate_limited', 'reject_credentials'];
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

import { decimalOfNumber, isDecimal } from './decimal.ts';

/**
 * The few read-only calls Tally makes to Twilio's REST API (2010-04-01), over fetch, read as
 * Twilio's own OpenAPI description allows: most fields nullable, `price` a number (or, as in its
 * examples, a string), page links relative to the API host or absolute.
 *
 * Plain fetch rather than the `twilio` package: three GETs do not need a large SDK, and here every
 * request takes the caller's AbortSignal (one deadline for a whole refresh), any base URL works,
 * and each failure is sorted into the kinds the dashboard explains.
 */

export const TWILIO_API_URL = 'https://api.twilio.com';

export type TwilioCredentials =
  | { kind: 'auth_token'; accountSid: string; authToken: string }
  | { kind: 'api_key'; accountSid: string; apiKeySid: string; apiKeySecret: string };

/** Why a request to Twilio gave no usable answer. */
export type TwilioFailureKind =
  | 'credentials_rejected'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'timeout'
  | 'unreachable'
  | 'twilio_error'
  | 'unexpected_response';

export interface TwilioFailureDetails {
  path: string;
  status?: number;
  /** Twilio's own error code, e.g. 20003 (authenticate) or 20429 (too many requests). */
  twilioCode?: number;
  retryAfterMs?: number;
}

/** Its message is safe to log: it names the path and Twilio's answer, never a credential. */
export class TwilioRequestError extends Error {
  constructor(
    readonly kind: TwilioFailureKind,
    message: string,
    readonly details: TwilioFailureDetails,
  ) {
    super(message);
    this.name = 'TwilioRequestError';
  }
}

export interface TwilioAccount {
  sid: string;
  friendlyName: string;
  /** `active`, `suspended` or `closed`. */
  status: string;
  /** `Trial` or `Full`. */
  type: string;
}

/** Both null for a subaccount: Twilio keeps the balance on the parent account. */
export interface TwilioBalance {
  /** A decimal string as Twilio sends it, e.g. "42.17". */
  balance: string | null;
  /** Upper case ISO 4217, e.g. "USD". */
  currency: string | null;
}

/** A usage record; every field but the amounts may be null in Twilio's description. */
export interface TwilioUsageRecord {
  category: string | null;
  startDate: string | null;
  endDate: string | null;
  /** Decimal strings: events (e.g. calls), billed usage (e.g. minutes), price. An absent amount is "0". */
  count: string;
  usage: string;
  usageUnit: string | null;
  price: string;
  /** Upper case ISO 4217, e.g. "USD". */
  priceUnit: string | null;
}

/** The list of all categories over a date range (`Records`), or its per-day sub-list (`Daily`). */
export type UsageList = 'Records' | 'Daily';

export interface TwilioClientOptions {
  baseUrl?: string;
  credentials: TwilioCredentials;
  fetch?: typeof fetch;
  /** Pages followed per list before giving up. */
  maxPages?: number;
}

type Json = Record<string, unknown>;

export class TwilioClient {
  private readonly baseUrl: URL;
  private readonly authorization: string;
  private readonly fetchImpl: typeof fetch;
  private readonly maxPages: number;
  readonly accountSid: string;

  constructor(options: TwilioClientOptions) {
    this.baseUrl = new URL(options.baseUrl ?? TWILIO_API_URL);
    const { credentials } = options;
    this.accountSid = credentials.accountSid;
    const [user, password] =
      credentials.kind === 'auth_token'
        ? [credentials.accountSid, credentials.authToken]
        : [credentials.apiKeySid, credentials.apiKeySecret];
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    this.fetchImpl = options.fetch ?? fetch;
    this.maxPages = options.maxPages ?? 10;
  }

  private accountPath(suffix: string): string {
    return `/2010-04-01/Accounts/${encodeURIComponent(this.accountSid)}${suffix}`;
  }

  /** Also the credential check: Twilio answers it only to the account's own Auth Token or API keys. */
  async fetchAccount(signal: AbortSignal): Promise<TwilioAccount> {
    const path = this.accountPath('.json');
    // The body carries the account's auth_token; only the fields below are kept.
    const body = await this.get(path, signal);
    return {
      sid: text(body, 'sid', path),
      friendlyName: optionalText(body.friendly_name) ?? '',
      status: optionalText(body.status) ?? 'active',
      type: optionalText(body.type) ?? '',
    };
  }

  async fetchBalance(signal: AbortSignal): Promise<TwilioBalance> {
    const path = this.accountPath('/Balance.json');
    const body = await this.get(path, signal);
    return {
      balance: body.balance === null || body.balance === undefined ? null : decimal(body.balance, 'balance', path),
      currency: currencyCode(body.currency),
    };
  }

  /** Every record of a usage list, following Twilio's `next_page_uri` paging (relative or absolute links). */
  async listUsageRecords(
    list: UsageList,
    query: Record<string, string>,
    signal: AbortSignal,
  ): Promise<TwilioUsageRecord[]> {
    const suffix = list === 'Records' ? '/Usage/Records.json' : `/Usage/Records/${list}.json`;
    const first = `${this.accountPath(suffix)}?${new URLSearchParams(query).toString()}`;
    const records: TwilioUsageRecord[] = [];
    let next: string | null = first;
    for (let page = 0; next !== null; page++) {
      if (page === this.maxPages) {
        const message = `Twilio's ${list} usage list ran past ${this.maxPages} pages.`;
        throw new TwilioRequestError('unexpected_response', message, { path: first });
      }
      const path: string = next;
      const body = await this.get(path, signal);
      const items = body.usage_records;
      if (!Array.isArray(items)) throw malformed(path, 'usage_records is not a list');
      for (const item of items) records.push(usageRecord(item, path));
      next = optionalText(body.next_page_uri) ?? null;
    }
    return records;
  }

  private resolve(path: string): URL {
    const url = new URL(path, this.baseUrl);
    // A page link pointing at another host must never receive the credentials.
    if (url.origin !== this.baseUrl.origin) throw malformed(path, 'a page link leaves the Twilio API host');
    return url;
  }

  private async get(path: string, signal: AbortSignal): Promise<Json> {
    const url = this.resolve(path);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'GET',
        headers: { authorization: this.authorization, accept: 'application/json' },
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      throw transportFailure(error, path, signal);
    }
    let body: unknown;
    let raw = '';
    try {
      raw = await response.text();
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch (error) {
      if (signal.aborted) throw transportFailure(error, path, signal);
      body = undefined;
    }
    if (response.ok) {
      if (!isObject(body)) throw malformed(path, 'the answer is not a JSON object');
      return body;
    }
    throw statusFailure(response, body, path);
  }
}

function transportFailure(error: unknown, path: string, signal: AbortSignal): TwilioRequestError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return new TwilioRequestError(
      timedOut ? 'timeout' : 'unreachable',
      timedOut ? `Twilio did not answer GET ${path} in time.` : `GET ${path} was cancelled.`,
      { path },
    );
  }
  const cause = error instanceof Error && isObject(error.cause) ? error.cause : undefined;
  const code = cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
  return new TwilioRequestError('unreachable', `Could not reach Twilio for GET ${path}${code}.`, { path });
}

function statusFailure(response: Response, body: unknown, path: string): TwilioRequestError {
  const status = response.status;
  const twilioCode = isObject(body) && typeof body.code === 'number' ? body.code : undefined;
  const twilioMessage = isObject(body) ? optionalText(body.message) : undefined;
  const said = twilioMessage ? `: ${twilioMessage}` : '';
  const details: TwilioFailureDetails = { path, status, ...(twilioCode !== undefined ? { twilioCode } : {}) };
  const answer = `Twilio answered ${status}${twilioCode !== undefined ? ` (code ${twilioCode})` : ''}${said}`;
  if (status === 401) return new TwilioRequestError('credentials_rejected', `${answer}.`, details);
  if (status === 403) return new TwilioRequestError('forbidden', `${answer}.`, details);
  if (status === 404) return new TwilioRequestError('not_found', `${answer}.`, details);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return new TwilioRequestError('rate_limited', `${answer}.`, {
      ...details,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (status >= 500) return new TwilioRequestError('twilio_error', `${answer}.`, details);
  return new TwilioRequestError('unexpected_response', `${answer} to GET ${path}.`, details);
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function malformed(path: string, what: string): TwilioRequestError {
  return new TwilioRequestError('unexpected_response', `Twilio's answer to GET ${path} is not as expected: ${what}.`, {
    path,
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function text(body: Json, field: string, path: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw malformed(path, `${field} is missing`);
  return value;
}

/**
 * An amount as a decimal string. Twilio's description types `price` as a number while its examples
 * send strings, and JSON numbers arrive as doubles (1e-7): both become the plain decimal they denote.
 */
function decimal(value: unknown, field: string, path: string): string {
  if (typeof value === 'string' && isDecimal(value.trim())) return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return decimalOfNumber(value);
  throw malformed(path, `${field} is not a number`);
}

/** Usage fields are nullable and empty for some categories: nothing used. */
function amount(value: unknown, field: string, path: string): string {
  return value === null || value === undefined || value === '' ? '0' : decimal(value, field, path);
}

function nullableText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Twilio writes currencies as "USD" on the balance and "usd" on usage records. */
function currencyCode(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z]{3}$/.test(value) ? value.toUpperCase() : null;
}

function usageRecord(item: unknown, path: string): TwilioUsageRecord {
  if (!isObject(item)) throw malformed(path, 'a usage record is not an object');
  return {
    category: nullableText(item.category),
    startDate: nullableText(item.start_date),
    endDate: nullableText(item.end_date),
    count: amount(item.count, 'count', path),
    usage: amount(item.usage, 'usage', path),
    usageUnit: nullableText(item.usage_unit),
    price: amount(item.price, 'price', path),
    priceUnit: currencyCode(item.price_unit),
  };
}

/**
 * The fake Twilio's usage records: what `Usage/Records.json` and its sub-lists (Daily, Monthly,
 * Today, …) answer for an account's made-up usage, in Twilio's record shape.
 */

/** One UTC day of an account's usage. Amounts are decimal strings, as Twilio keeps them. */
export interface FakeDayUsage {
  calls: number;
  minutes: number;
  callPrice: string;
  sms?: number;
  smsPrice?: string;
  phoneNumbersPrice?: string;
  recordingsPrice?: string;
  /** Everything the day cost, the categories above and any other. */
  totalPrice: string;
}

/** Every usage that counts on a day: the account's own, and its subaccounts' when they are included. */
export type UsageOf = (day: string) => readonly FakeDayUsage[];

/** Fields the usage record schema marks nullable that a switch can send as null. */
export type NullableRecordField = 'account_sid' | 'start_date' | 'end_date' | 'price_unit';

export interface RecordStyle {
  priceAs: 'string' | 'number';
  nullFields: readonly NullableRecordField[];
}

const API = '/2010-04-01';
const DAY_MS = 86_400_000;

/**
 * The categories a list without `Category` returns. Parents come with one of their children
 * (`calls` ⊃ `calls-inbound`, `phonenumbers` ⊃ `phonenumbers-local`) as Twilio lists both, so
 * a client that sums every record counts those twice.
 */
export const FAKE_CATEGORIES = [
  'totalprice',
  'calls',
  'calls-inbound',
  'sms',
  'phonenumbers',
  'phonenumbers-local',
  'recordings',
] as const;

export function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return day(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** Every day from `from` to `to`, capped so an open range cannot run away. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to && days.length < 1000; d = addDays(d, 1)) days.push(d);
  return days;
}

/** Exact decimal sum at the finest precision given, independent of the code under test. */
function sumPrices(prices: readonly string[]): string {
  const scale = Math.max(0, ...prices.map((p) => p.split('.')[1]?.length ?? 0));
  let units = 0n;
  for (const price of prices) {
    const [whole = '0', fraction = ''] = price.replace('-', '').split('.');
    const value = BigInt(whole + fraction.padEnd(scale, '0'));
    units += price.startsWith('-') ? -value : value;
  }
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const whole = digits.slice(0, digits.length - scale);
  return `${units < 0n ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** A date query value: `YYYY-MM-DD` as is, or an offset from today such as `-30days`. */
function resolveDate(value: string | null, today: string): string | null {
  if (value === null) return null;
  const offset = /^([+-]\d+)days$/.exec(value);
  return offset ? addDays(today, Number(offset[1])) : value;
}

/** The date ranges a list reports, one record per category each: the whole range, or one per day, month or year. */
export function buckets(list: string, params: URLSearchParams, today: string): Array<[string, string]> {
  const start = resolveDate(params.get('StartDate'), today);
  const end = resolveDate(params.get('EndDate'), today) ?? today;
  const monthStart = `${today.slice(0, 8)}01`;
  switch (list) {
    case 'Today':
      return [[today, today]];
    case 'Yesterday':
      return [[addDays(today, -1), addDays(today, -1)]];
    case 'ThisMonth':
      return [[monthStart, today]];
    case 'LastMonth': {
      const last = addDays(monthStart, -1);
      return [[`${last.slice(0, 8)}01`, last]];
    }
    case 'Daily':
      return daysBetween(start ?? addDays(end, -29), end).map((d) => [d, d]);
    case 'Monthly':
    case 'Yearly': {
      const width = list === 'Monthly' ? 8 : 5;
      const groups = new Map<string, [string, string]>();
      for (const d of daysBetween(start ?? addDays(end, -364), end)) {
        const key = d.slice(0, width);
        groups.set(key, [groups.get(key)?.[0] ?? d, d]);
      }
      return [...groups.values()];
    }
    default:
      return [[start ?? addDays(end, -999), end]];
  }
}

interface Totals {
  count: string;
  countUnit: string;
  usage: string;
  usageUnit: string;
  price: string;
  description: string;
}

function totals(category: string, used: readonly FakeDayUsage[], currency: string): Totals {
  const prices = (pick: (u: FakeDayUsage) => string | undefined) => sumPrices(used.map((u) => pick(u) ?? '0'));
  switch (category) {
    case 'totalprice': {
      const price = prices((u) => u.totalPrice);
      return { count: '0', countUnit: '', usage: price, usageUnit: currency, price, description: 'Total Price' };
    }
    case 'calls':
    case 'calls-inbound':
      return {
        count: String(used.reduce((n, u) => n + u.calls, 0)),
        countUnit: 'calls',
        usage: String(used.reduce((n, u) => n + u.minutes, 0)),
        usageUnit: 'minutes',
        price: prices((u) => u.callPrice),
        description: category === 'calls' ? 'Voice Minutes' : 'Inbound Voice Minutes',
      };
    case 'sms': {
      const messages = String(used.reduce((n, u) => n + (u.sms ?? 0), 0));
      const price = prices((u) => u.smsPrice);
      return {
        count: messages,
        countUnit: 'messages',
        usage: messages,
        usageUnit: 'messages',
        price,
        description: 'SMS',
      };
    }
    case 'phonenumbers':
    case 'phonenumbers-local': {
      const price = prices((u) => u.phoneNumbersPrice);
      return {
        count: '0',
        countUnit: 'numbers',
        usage: '0',
        usageUnit: 'numbers',
        price,
        description: 'Phone Numbers',
      };
    }
    case 'recordings': {
      const price = prices((u) => u.recordingsPrice);
      return {
        count: '0',
        countUnit: 'recordings',
        usage: '0',
        usageUnit: 'minutes',
        price,
        description: 'Recordings',
      };
    }
    default:
      return { count: '0', countUnit: '', usage: '0', usageUnit: '', price: '0', description: category };
  }
}

/** One usage record of `accountSid` for a category over [start, end], in Twilio's shape. */
export function usageRecord(input: {
  accountSid: string;
  category: string;
  range: [string, string];
  usageOf: UsageOf;
  currency: string;
  asOf: Date;
  style: RecordStyle;
}): Record<string, unknown> {
  const { accountSid, category, range, style } = input;
  const [start, end] = range;
  const used = daysBetween(start, end).flatMap(input.usageOf);
  const sums = totals(category, used, input.currency.toLowerCase());
  const account = `${API}/Accounts/${accountSid}/Usage/Records`;
  const record: Record<string, unknown> = {
    account_sid: accountSid,
    api_version: '2010-04-01',
    as_of: `${input.asOf.toISOString().slice(0, 19)}+00:00`,
    category,
    count: sums.count,
    count_unit: sums.countUnit,
    description: sums.description,
    end_date: end,
    price: style.priceAs === 'number' ? Number(sums.price) : sums.price,
    price_unit: input.currency.toLowerCase(),
    start_date: start,
    subresource_uris: {
      all_time: `${account}/AllTime.json?Category=${category}`,
      daily: `${account}/Daily.json?Category=${category}`,
      monthly: `${account}/Monthly.json?Category=${category}`,
    },
    uri: `${account}.json?Category=${category}&StartDate=${start}&EndDate=${end}`,
    usage: sums.usage,
    usage_unit: sums.usageUnit,
  };
  for (const field of style.nullFields) record[field] = null;
  return record;
}

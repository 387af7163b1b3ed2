import type { TwilioClient, TwilioUsageRecord } from './twilio-client.ts';
import { TwilioRequestError } from './twilio-client.ts';

/** The window the card shows: 30 UTC days, today included, matching Twilio's Last30Days list. */
export const USAGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface DailySpend {
  /** A UTC day, `YYYY-MM-DD`, as Twilio dates its usage. */
  date: string;
  spend: string;
}

/** What one refresh read from Twilio. Money stays in Twilio's decimal strings until the card is drawn. */
export interface TwilioFigures {
  accountSid: string;
  /** Null for a subaccount: Twilio keeps the balance on the parent account. */
  balance: string | null;
  currency: string | null;
  spend: string;
  spendCurrency: string;
  /** Null when Twilio has no call usage to report for the account. */
  calls: number | null;
  callMinutes: number | null;
  daily: DailySpend[];
  fetchedAt: Date;
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The days of the window ending at `now`, oldest first. */
export function windowDays(now: Date): string[] {
  const days: string[] = [];
  for (let back = USAGE_DAYS - 1; back >= 0; back--) days.push(utcDay(new Date(now.getTime() - back * DAY_MS)));
  return days;
}

/** Adds decimal strings exactly, at Twilio's precision, so a total never picks up binary rounding. */
export function addDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0));
  let total = 0n;
  for (const value of values) {
    const negative = value.startsWith('-');
    const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
    const units = BigInt(whole + fraction.padEnd(scale, '0'));
    total += negative ? -units : units;
  }
  const sign = total < 0n ? '-' : '';
  const digits = (total < 0n ? -total : total).toString().padStart(scale + 1, '0');
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/**
 * Reads balance, 30-day spend, 30-day calls and the daily spend series in parallel under one
 * deadline. The card shows a whole set of figures or none; every request is settled before the
 * answer, so nothing of a finished refresh is still talking to Twilio afterwards.
 */
export async function readFigures(client: TwilioClient, now: Date, deadline: AbortSignal): Promise<TwilioFigures> {
  const days = windowDays(now);
  const first = days[0] ?? utcDay(now);
  const last = days[days.length - 1] ?? utcDay(now);
  const requests = [
    // A subaccount has no Balance resource of its own; that is not a failure of the card.
    client.fetchBalance(deadline).catch(nullWhenNotFound),
    client.listUsageRecords('Last30Days', { Category: 'totalprice' }, deadline),
    client.listUsageRecords('Last30Days', { Category: 'calls' }, deadline),
    client.listUsageRecords('Daily', { Category: 'totalprice', StartDate: first, EndDate: last }, deadline),
  ] as const;
  await Promise.allSettled(requests);
  // All settled by now: this yields the values, or the first failure in the order above.
  const [balance, spendRecords, callRecords, dailyRecords] = await Promise.all(requests);

  const perDay = new Map<string, string[]>();
  for (const record of dailyRecords) {
    perDay.set(record.startDate, [...(perDay.get(record.startDate) ?? []), record.price]);
  }
  const calls = callRecords.filter((r) => r.category === 'calls');
  return {
    accountSid: client.accountSid,
    balance: balance?.balance ?? null,
    currency: balance?.currency ?? null,
    spend: addDecimals(prices(spendRecords, 'totalprice')),
    spendCurrency: currencyOf(spendRecords) ?? balance?.currency ?? 'USD',
    calls: calls.length === 0 ? null : Math.round(sum(calls.map((r) => r.count))),
    callMinutes:
      calls.length === 0 ? null : Math.round(sum(calls.filter((r) => r.usageUnit === 'minutes').map((r) => r.usage))),
    daily: days.map((date) => ({ date, spend: addDecimals(perDay.get(date) ?? ['0']) })),
    fetchedAt: now,
  };
}

function nullWhenNotFound(error: unknown): null {
  if (error instanceof TwilioRequestError && error.kind === 'not_found') return null;
  throw error;
}

function prices(records: readonly TwilioUsageRecord[], category: string): string[] {
  const matching = records.filter((r) => r.category === category).map((r) => r.price);
  return matching.length === 0 ? ['0'] : matching;
}

function currencyOf(records: readonly TwilioUsageRecord[]): string | undefined {
  return records.find((r) => r.priceUnit !== '')?.priceUnit;
}

function sum(values: readonly string[]): number {
  return values.reduce((total, value) => total + Number(value), 0);
}

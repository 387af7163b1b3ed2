import { utcDay } from '../domain/days.ts';
import { addDecimals, negate } from './decimal.ts';
import type { TwilioClient, TwilioUsageRecord } from './twilio-client.ts';

/** The window the card shows: 30 UTC days, today included. */
export const USAGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Usage of the connected account alone, never of its subaccounts: the balance shown is this
 * account's, so the spend beside it is too. Twilio's default (true) would add every subaccount's.
 */
export const INCLUDE_SUBACCOUNTS = false;

/** Enough for Twilio's whole category list on one page (its maximum; the default is 50). */
const PAGE_SIZE = '1000';

export interface DailySpend {
  /** A UTC day, `YYYY-MM-DD`, as Twilio dates its usage. */
  date: string;
  spend: string;
}

/** Spend by Twilio's top-level usage categories; `other` is the rest of `totalprice`. */
export interface SpendByCategory {
  calls: string;
  sms: string;
  phoneNumbers: string;
  recordings: string;
  other: string;
}

/** The Balance resource. Money stays in Twilio's decimal strings until the card is drawn. */
export interface BalanceFigures {
  /** Null for a subaccount: Twilio keeps the balance on the parent account. */
  balance: string | null;
  currency: string | null;
  fetchedAt: Date;
}

/** The usage lists over the 30-day window. */
export interface UsageFigures {
  from: string;
  to: string;
  spend: string;
  /** From the records' `price_unit`; null when Twilio did not say. */
  currency: string | null;
  byCategory: SpendByCategory;
  /** Null when Twilio has no call usage to report for the account. */
  calls: number | null;
  callMinutes: number | null;
  daily: DailySpend[];
  fetchedAt: Date;
}

/** What Tally last read from Twilio, each part on its own: one failing never hides the other. */
export interface TwilioFigures {
  accountSid: string;
  balance: BalanceFigures | null;
  usage: UsageFigures | null;
}

export type FiguresPart = 'balance' | 'usage';

/** The days of the window ending at `now`, oldest first. */
export function windowDays(now: Date): string[] {
  const days: string[] = [];
  for (let back = USAGE_DAYS - 1; back >= 0; back--) days.push(utcDay(new Date(now.getTime() - back * DAY_MS)));
  return days;
}

export async function readBalance(client: TwilioClient, now: Date, deadline: AbortSignal): Promise<BalanceFigures> {
  const { balance, currency } = await client.fetchBalance(deadline);
  return { balance, currency, fetchedAt: now };
}

/**
 * Two lists in parallel under one deadline: every category over the window (`Usage/Records.json`,
 * one record per category) and `totalprice` per day (`Usage/Records/Daily.json`). Both are settled
 * before the answer, so nothing of a finished refresh is still talking to Twilio afterwards.
 */
export async function readUsage(client: TwilioClient, now: Date, deadline: AbortSignal): Promise<UsageFigures> {
  const days = windowDays(now);
  const range = {
    StartDate: days[0] ?? utcDay(now),
    EndDate: days[days.length - 1] ?? utcDay(now),
    IncludeSubaccounts: String(INCLUDE_SUBACCOUNTS),
    PageSize: PAGE_SIZE,
  };
  const requests = [
    client.listUsageRecords('Records', range, deadline),
    client.listUsageRecords('Daily', { Category: 'totalprice', ...range }, deadline),
  ] as const;
  await Promise.allSettled(requests);
  const [records, dailyRecords] = await Promise.all(requests);

  const perDay = new Map<string, string[]>();
  for (const record of dailyRecords) {
    // A record Twilio did not date cannot be placed on a day; the 30-day total still counts it.
    if (record.startDate === null) continue;
    perDay.set(record.startDate, [...(perDay.get(record.startDate) ?? []), record.price]);
  }
  const calls = records.filter((r) => r.category === 'calls');
  const byCategory = spendByCategory(records);
  return {
    from: range.StartDate,
    to: range.EndDate,
    spend: byCategory.total,
    currency: records.find((r) => r.priceUnit !== null)?.priceUnit ?? null,
    byCategory: byCategory.split,
    calls: calls.length === 0 ? null : Math.round(sum(calls.map((r) => r.count))),
    callMinutes:
      calls.length === 0 ? null : Math.round(sum(calls.filter((r) => r.usageUnit === 'minutes').map((r) => r.usage))),
    daily: days.map((date) => ({ date, spend: addDecimals(perDay.get(date) ?? ['0']) })),
    fetchedAt: now,
  };
}

/**
 * Twilio lists parents beside their children (`calls` and `calls-inbound`, …) and `totalprice`
 * over all of them, so summing every record counts money twice. The total is `totalprice`; the
 * split reads four top-level categories, which do not overlap, and `other` is what remains.
 */
function spendByCategory(records: readonly TwilioUsageRecord[]): { total: string; split: SpendByCategory } {
  const priceOf = (category: string) =>
    addDecimals(['0', ...records.filter((r) => r.category === category).map((r) => r.price)]);
  const split = {
    calls: priceOf('calls'),
    sms: priceOf('sms'),
    phoneNumbers: priceOf('phonenumbers'),
    recordings: priceOf('recordings'),
  };
  const total = priceOf('totalprice');
  const rest = addDecimals([total, ...Object.values(split).map(negate)]);
  // Below zero only when Twilio's totals round differently from their parts: nothing else was spent.
  return { total, split: { ...split, other: rest.startsWith('-') ? '0' : rest } };
}

function sum(values: readonly string[]): number {
  return values.reduce((total, value) => total + Number(value), 0);
}

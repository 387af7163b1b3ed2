import type { Millicredits } from './amounts.ts';
import { utcDay } from './days.ts';
import type { Period } from './periods.ts';

/** What a period granted and what was used in it: the share a low-credit line or a usage level is of. */
export interface PeriodTotals {
  period: Period;
  granted: Millicredits;
  used: Millicredits;
}

/** Credits granted this period: every grant taking effect in it, however much of it is left. */
export function grantedInPeriod(
  grants: readonly { amount: Millicredits; effectiveAt: Date }[],
  period: Period,
): Millicredits {
  let total = 0;
  for (const grant of grants) {
    const at = grant.effectiveAt.getTime();
    if (at >= period.start.getTime() && at < period.end.getTime()) total += grant.amount;
  }
  return total;
}

/**
 * Credits used this period, from usage by UTC day: the daily rollups count whole days, from the day
 * the period starts on up to, not including, the day it ends on.
 */
export function usedInPeriod(
  days: readonly { day: string; creditsUsed: Millicredits }[],
  period: Period,
): Millicredits {
  const first = utcDay(period.start);
  const end = utcDay(period.end);
  let total = 0;
  for (const { day, creditsUsed } of days) if (day >= first && day < end) total += creditsUsed;
  return total;
}

/**
 * The totals read before a ledger transaction wrote anything, with what it then granted and used
 * added: where the period stands when the transaction ends.
 */
export function totalsAfter(
  before: PeriodTotals,
  change: {
    grantsAdded: readonly { amount: Millicredits; effectiveAt: Date }[];
    usage: readonly { at: Date; creditsUsed: Millicredits }[];
  },
): PeriodTotals {
  const days = change.usage.map((delta) => ({ day: utcDay(delta.at), creditsUsed: delta.creditsUsed }));
  return {
    period: before.period,
    granted: before.granted + grantedInPeriod(change.grantsAdded, before.period),
    used: before.used + usedInPeriod(days, before.period),
  };
}

import type { Millicredits } from './amounts.ts';

/** A workspace's auto top-up line as it stands under the account lock. */
export interface TopUpWatch {
  threshold: Millicredits;
  /** The balance has been at or above the threshold since the last crossing. */
  armed: boolean;
}

export type TopUpDecision =
  /** No crossing; `armed` is what to keep. */
  | { kind: 'none'; armed: boolean }
  /** A crossing: buy the pack once (if the month allows), and disarm until the balance is back up. */
  | { kind: 'cross' };

/**
 * The crossing rule. A balance at or above the threshold arms; falling below it while armed is one
 * crossing, which disarms, so a failed payment is not retried until the balance has come back up and
 * falls again. `before` counts too: a balance that rose without a write of its own (a hold lapsing)
 * stood at the line when this transaction began.
 */
export function decideTopUp(watch: TopUpWatch, before: Millicredits, after: Millicredits): TopUpDecision {
  if (after >= watch.threshold) return { kind: 'none', armed: true };
  const armed = watch.armed || before >= watch.threshold;
  return armed ? { kind: 'cross' } : { kind: 'none', armed: false };
}

/** At most `maxPerMonth` packs a calendar month: a crossing past it buys nothing. */
export const mayBuyThisMonth = (boughtThisMonth: number, maxPerMonth: number): boolean => boughtThisMonth < maxPerMonth;

/** The calendar month (UTC) holding `at`: [start, end). */
export function calendarMonth(at: Date): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)),
    end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)),
  };
}

import type { LimitCounter, SpendLimits } from '../domain/spend-limits.ts';

/** `workspaces.spend_limits` as stored: JSON, amounts in millicredits, the period start in epoch ms. */
interface StoredSpendLimits {
  periodStart: number;
  counters: LimitCounter[];
}

export function spendLimitsFromColumn(value: string | null): SpendLimits | null {
  if (value === null) return null;
  const stored = JSON.parse(value) as StoredSpendLimits;
  return { periodStart: new Date(stored.periodStart), counters: stored.counters };
}

export function spendLimitsToColumn(limits: SpendLimits | null): string | null {
  if (limits === null || limits.counters.length === 0) return null;
  const stored: StoredSpendLimits = { periodStart: limits.periodStart.getTime(), counters: [...limits.counters] };
  return JSON.stringify(stored);
}

import type { Millicredits } from './amounts.ts';

/** What the plan rules need to know of a plan, in millicredits. */
export interface PlanTerms {
  id: string;
  monthlyPrice: number;
  creditsPerPeriod: Millicredits;
  rollover: { kind: 'expire' } | { kind: 'rollover'; cap: Millicredits };
}

export type PlanChange = 'upgrade' | 'downgrade' | 'none';

/**
 * A move to a plan that costs more, or costs the same and includes more credits, is an upgrade and
 * takes effect at once; any other move to another plan is a downgrade and waits for the next period,
 * so a customer never loses credits or agents they paid for in the middle of a period.
 */
export function classifyPlanChange(from: PlanTerms, to: PlanTerms): PlanChange {
  if (from.id === to.id) return 'none';
  if (to.monthlyPrice > from.monthlyPrice) return 'upgrade';
  if (to.monthlyPrice === from.monthlyPrice && to.creditsPerPeriod > from.creditsPerPeriod) return 'upgrade';
  return 'downgrade';
}

/**
 * What an upgrade adds to the current period: the difference between the two allocations, in full,
 * not prorated by the time left. The customer already had the old allocation for this period; after
 * the upgrade they have the new one, whatever day it is. Upgrades tend to come late in a period,
 * when credits run low, which is exactly when a prorated top-up would be too small to help.
 */
export function upgradeTopUp(from: PlanTerms, to: PlanTerms): Millicredits {
  return Math.max(0, to.creditsPerPeriod - from.creditsPerPeriod);
}

/** What of a period's unused credits is carried into the next period under the plan they came from. */
export function rolloverCarry(unused: Millicredits, rule: PlanTerms['rollover']): Millicredits {
  if (rule.kind === 'expire' || unused <= 0) return 0;
  return Math.min(unused, rule.cap);
}

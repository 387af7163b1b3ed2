import type { Millicredits } from './amounts.ts';
import { type Grant, isLive } from './grants.ts';
import type { Period } from './periods.ts';

export interface ExpiringCredits {
  grantId: string;
  source: Grant['source'];
  reason: string;
  remaining: Millicredits;
  expiresAt: Date;
}

/**
 * The credits live now that will be lost before the current period ends, soonest first: what the
 * credits gauge warns about. A grant that expires exactly at the period's end (a plan's allocation)
 * is counted, since its credits do not reach the next period.
 */
export function expiringInPeriod(grants: readonly Grant[], period: Period, now: Date): ExpiringCredits[] {
  const expiring: ExpiringCredits[] = [];
  for (const grant of grants) {
    if (grant.remaining <= 0 || !isLive(grant, now) || grant.expiresAt === null) continue;
    if (grant.expiresAt.getTime() > period.end.getTime()) continue;
    expiring.push({
      grantId: grant.id,
      source: grant.source,
      reason: grant.reason,
      remaining: grant.remaining,
      expiresAt: grant.expiresAt,
    });
  }
  return expiring.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || a.grantId.localeCompare(b.grantId));
}

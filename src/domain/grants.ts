import type { Millicredits } from './amounts.ts';

export type GrantSource = 'subscription' | 'purchase' | 'promotion' | 'adjustment';

export interface Grant {
  id: string;
  workspaceId: string;
  source: GrantSource;
  amount: Millicredits;
  remaining: Millicredits;
  /** Lower is spent first among grants that expire at the same time. */
  priority: number;
  effectiveAt: Date;
  expiresAt: Date | null;
  createdAt: Date;
  reason: string;
}

/** A grant counts from its effective time up to, not including, its expiry instant. */
export function isLive(grant: Pick<Grant, 'effectiveAt' | 'expiresAt'>, now: Date): boolean {
  return (
    grant.effectiveAt.getTime() <= now.getTime() &&
    (grant.expiresAt === null || grant.expiresAt.getTime() > now.getTime())
  );
}

export function isExpired(grant: Pick<Grant, 'expiresAt'>, now: Date): boolean {
  return grant.expiresAt !== null && grant.expiresAt.getTime() <= now.getTime();
}

/** Sum of what live grants still hold. */
export function liveRemaining(grants: readonly Grant[], now: Date): Millicredits {
  let total = 0;
  for (const grant of grants) if (isLive(grant, now)) total += grant.remaining;
  return total;
}

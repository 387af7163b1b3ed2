import type { Millicredits } from './amounts.ts';
import { type Grant, isLive } from './grants.ts';

export interface Draw {
  grantId: string;
  amount: Millicredits;
}

/**
 * Soonest expiry first: credits that would be lost are spent before credits that keep.
 * Then lower priority value, then the oldest grant, then id so the order is total.
 */
export function burnDownOrder(a: Grant, b: Grant): number {
  const expiryA = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const expiryB = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (expiryA !== expiryB) return expiryA < expiryB ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.createdAt.getTime() !== b.createdAt.getTime()) return a.createdAt.getTime() - b.createdAt.getTime();
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Takes up to `cost` from the live grants in burn-down order. Returns the draws and what the
 * grants could not pay (the shortfall); the caller decides whether the shortfall is allowed.
 */
export function burnDown(
  grants: readonly Grant[],
  cost: Millicredits,
  now: Date,
): { draws: Draw[]; shortfall: Millicredits } {
  const live = grants.filter((grant) => grant.remaining > 0 && isLive(grant, now)).sort(burnDownOrder);
  const draws: Draw[] = [];
  let left = cost;
  for (const grant of live) {
    if (left === 0) break;
    const amount = Math.min(grant.remaining, left);
    draws.push({ grantId: grant.id, amount });
    left -= amount;
  }
  return { draws, shortfall: left };
}

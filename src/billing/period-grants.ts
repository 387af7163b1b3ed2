import { utcDay } from '../domain/days.ts';
import type { Grant } from '../domain/grants.ts';
import type { Period } from '../domain/periods.ts';
import type { AccountContext, Call } from '../ledger/context.ts';
import { addGrant } from '../ledger/grant-credits.ts';
import type { Plan } from './catalog.ts';

/**
 * Grant ids are derived from the workspace's period, so the grants table's unique key (workspace, id)
 * makes each period's grant exist once however many processes, retries or catch-ups try to make it.
 */
export const periodGrantId = (period: Period): string => `period:${period.start.toISOString()}`;
export const rolloverGrantId = (period: Period): string => `rollover:${period.start.toISOString()}`;
export const upgradeGrantId = (period: Period, planId: string): string =>
  `upgrade:${period.start.toISOString()}:${planId}`;

/** The plan's allocation for `period`, effective at its start and expiring at its end; null when the plan includes none. */
export async function grantPeriod({
  ctx,
  input,
}: Call<AccountContext, { workspaceId: string; plan: Plan; period: Period }>): Promise<Grant | null> {
  const { workspaceId, plan, period } = input;
  const amount = plan.creditsPerPeriod;
  if (amount <= 0) return null;
  const { grant } = await addGrant({
    ctx,
    input: {
      workspaceId,
      id: periodGrantId(period),
      amount,
      source: 'subscription',
      reason: `${plan.name} plan credits for ${utcDay(period.start)} to ${utcDay(period.end)}`,
      effectiveAt: period.start,
      expiresAt: period.end,
    },
  });
  return grant;
}

/** Carries `amount` into `period` as its own grant, spent before the period's allocation. */
export async function grantRollover({
  ctx,
  input,
}: Call<AccountContext, { workspaceId: string; from: Plan; amount: number; period: Period }>): Promise<Grant> {
  const { workspaceId, from, amount, period } = input;
  const { grant } = await addGrant({
    ctx,
    input: {
      workspaceId,
      id: rolloverGrantId(period),
      amount,
      source: 'subscription',
      reason: `Unused ${from.name} plan credits rolled over into ${utcDay(period.start)} to ${utcDay(period.end)}`,
      // Rolled-over credits expire with the period like the allocation; spending them first keeps the cap honest.
      priority: -1,
      effectiveAt: period.start,
      expiresAt: period.end,
    },
  });
  return grant;
}

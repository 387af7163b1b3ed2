import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { liveRemaining } from '../domain/grants.ts';
import { canAfford } from '../domain/overage.ts';
import { periodAt } from '../domain/periods.ts';
import { limitRefusal, limitsInPeriod } from '../domain/spend-limits.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Context } from './context.ts';
import { price } from './pricing.ts';

export interface CheckInput {
  workspaceId: string;
  features?: string[];
  count?: number;
  /** The agent about to respond: its own spend limit is checked too. */
  agentId?: string;
}

export interface CheckResult {
  allowed: boolean;
  cost: Millicredits;
  available: Millicredits;
  /** Why it is not allowed. */
  reason?: 'insufficient_credits' | 'spend_limit_reached';
}

export const MAX_COUNT = 10_000;

export function validateCount(count: number | undefined): number {
  const value = count ?? 1;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_COUNT) {
    throw new TallyError('invalid_request', `count must be a whole number from 1 to ${MAX_COUNT}.`, { field: 'count' });
  }
  return value;
}

/**
 * May the workspace pay for `count` responses now? Reads only, in one snapshot; takes no lock and
 * writes nothing.
 */
export async function checkCredits({ ctx, input }: { ctx: Context; input: CheckInput }): Promise<CheckResult> {
  const now = ctx.clock();
  const count = validateCount(input.count);
  return ctx.store.snapshot(async (reader) => {
    // Every read started together: a pipelining store sends them in one round trip.
    const [found, grants, held, { cost }] = await Promise.all([
      reader.readAccount(input.workspaceId),
      reader.openGrants(input.workspaceId),
      reader.heldAmount(input.workspaceId, now),
      price(reader, input.features ?? [], count, now),
    ]);
    const account = workspaceMustExist(found, input.workspaceId);
    const available = liveRemaining(grants, now) - held - account.overageDebt;
    if (!canAfford(available, cost, account.overageLimit)) {
      return { allowed: false, cost, available, reason: 'insufficient_credits' };
    }
    const limits = account.spendLimits && limitsInPeriod(account.spendLimits, periodAt(account.periodAnchor, now));
    if (limits && limitRefusal(limits, { agentId: input.agentId ?? null, cost, held })) {
      return { allowed: false, cost, available, reason: 'spend_limit_reached' };
    }
    return { allowed: true, cost, available };
  });
}

import type { Millicredits } from '../domain/amounts.ts';
import { type ExpiringCredits, expiringInPeriod } from '../domain/expiring.ts';
import { type Grant, isExpired, liveRemaining } from '../domain/grants.ts';
import type { Period } from '../domain/periods.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Context } from './context.ts';
import { readPeriodTotals } from './period-totals.ts';

export interface Balance {
  workspaceId: string;
  available: Millicredits;
  held: Millicredits;
  overageDebt: Millicredits;
  overageLimit: Millicredits;
  period: Period & { granted: Millicredits; used: Millicredits };
  /** Grants that still hold credits now or will take effect later, in no particular order. */
  grants: Grant[];
  /** Live credits that expire before the period ends, soonest first. */
  expiring: ExpiringCredits[];
}

/**
 * The balance as of `now`: expired grants and expired holds count for nothing, whether or not swept.
 * All its parts come from one snapshot, so a charge committing meanwhile is in all of them or none.
 */
export async function getBalance({ ctx, input }: { ctx: Context; input: { workspaceId: string } }): Promise<Balance> {
  const now = ctx.clock();
  const { workspaceId } = input;
  return ctx.store.snapshot(async (reader, db) => {
    // Started together, so a pipelining store sends them in one round trip.
    const [found, grants, held, totals] = await Promise.all([
      reader.readAccount(workspaceId),
      reader.openGrants(workspaceId),
      reader.heldAmount(workspaceId, now),
      readPeriodTotals(db, workspaceId, now),
    ]);
    const account = workspaceMustExist(found, workspaceId);
    const current = grants
      .filter((grant) => !isExpired(grant, now))
      .map(({ fingerprint: _ignored, ...grant }) => grant);
    return {
      workspaceId,
      available: liveRemaining(grants, now) - held - account.overageDebt,
      held,
      overageDebt: account.overageDebt,
      overageLimit: account.overageLimit,
      period: { ...totals.period, granted: totals.granted, used: totals.used },
      grants: current,
      expiring: expiringInPeriod(current, totals.period, now),
    };
  });
}

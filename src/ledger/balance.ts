import type { Millicredits } from '../domain/amounts.ts';
import { utcDay } from '../domain/days.ts';
import { type ExpiringCredits, expiringInPeriod } from '../domain/expiring.ts';
import { type Grant, isExpired, liveRemaining } from '../domain/grants.ts';
import { type Period, periodAt } from '../domain/periods.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Store } from '../store/store.ts';

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
export async function getBalance(store: Store, workspaceId: string, now: Date): Promise<Balance> {
  return store.snapshot(async (reader, db) => {
    const account = workspaceMustExist(await reader.readAccount(workspaceId), workspaceId);
    const period = periodAt(account.periodAnchor, now);
    const [grants, held, totals] = await Promise.all([
      reader.openGrants(workspaceId),
      reader.heldAmount(workspaceId, now),
      db
        .selectNoFrom((eb) => [
          eb
            .selectFrom('grants')
            .select((sum) => sum.fn.sum<number>('amount').as('total'))
            .where('workspace_id', '=', workspaceId)
            .where('effective_at', '>=', period.start.getTime())
            .where('effective_at', '<', period.end.getTime())
            .as('granted'),
          eb
            .selectFrom('daily_rollups')
            .select((sum) => sum.fn.sum<number>('credits_used').as('total'))
            .where('workspace_id', '=', workspaceId)
            .where('day', '>=', utcDay(period.start))
            .where('day', '<', utcDay(period.end))
            .as('used'),
        ])
        .executeTakeFirstOrThrow(),
    ]);
    const current = grants
      .filter((grant) => !isExpired(grant, now))
      .map(({ fingerprint: _ignored, ...grant }) => grant);
    return {
      workspaceId,
      available: liveRemaining(grants, now) - held - account.overageDebt,
      held,
      overageDebt: account.overageDebt,
      overageLimit: account.overageLimit,
      period: { ...period, granted: Number(totals.granted ?? 0), used: Number(totals.used ?? 0) },
      grants: current,
      expiring: expiringInPeriod(current, period, now),
    };
  });
}

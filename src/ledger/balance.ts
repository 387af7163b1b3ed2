import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { type Grant, isExpired, liveRemaining } from '../domain/grants.ts';
import { type Period, periodAt, utcDay } from '../domain/periods.ts';
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
}

/** The balance as of `now`: expired grants and expired holds count for nothing, whether or not swept. */
export async function getBalance(store: Store, workspaceId: string, now: Date): Promise<Balance> {
  const reader = store.reader();
  const account = await reader.lockAccount(workspaceId);
  if (!account) throw new TallyError('not_found', `Workspace ${workspaceId} does not exist.`);
  const period = periodAt(account.periodAnchor, now);
  const [grants, held, granted, used] = await Promise.all([
    reader.openGrants(workspaceId),
    reader.heldAmount(workspaceId, now),
    store.db
      .selectFrom('grants')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('workspace_id', '=', workspaceId)
      .where('effective_at', '>=', period.start.getTime())
      .where('effective_at', '<', period.end.getTime())
      .executeTakeFirst(),
    store.db
      .selectFrom('daily_rollups')
      .select((eb) => eb.fn.sum<number>('credits_used').as('total'))
      .where('workspace_id', '=', workspaceId)
      .where('day', '>=', utcDay(period.start))
      .where('day', '<', utcDay(period.end))
      .executeTakeFirst(),
  ]);
  const current = grants.filter((grant) => !isExpired(grant, now)).map(({ fingerprint: _ignored, ...grant }) => grant);
  return {
    workspaceId,
    available: liveRemaining(grants, now) - held - account.overageDebt,
    held,
    overageDebt: account.overageDebt,
    overageLimit: account.overageLimit,
    period: { ...period, granted: Number(granted?.total ?? 0), used: Number(used?.total ?? 0) },
    grants: current,
  };
}

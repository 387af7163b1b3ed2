import type { Transaction } from 'kysely';
import { UTC } from '../domain/days.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { rebuildUsageDays } from './usage-days.ts';

/** The zone a workspace's days are counted in; `UTC` until the workspace chooses another. */
export async function timeZoneOf(store: Store, workspaceId: string): Promise<string> {
  const row = await store.db
    .selectFrom('workspace_settings')
    .select('time_zone')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.time_zone ?? UTC;
}

/**
 * Saves the workspace's zone and rebuilds its local-day rollups for it, in the caller's transaction,
 * which holds the account lock so no charge of the workspace interleaves.
 */
export async function saveTimeZone(
  trx: Transaction<Database>,
  workspaceId: string,
  zone: string,
  now: Date,
): Promise<void> {
  await trx
    .insertInto('workspace_settings')
    .values({ workspace_id: workspaceId, time_zone: zone, updated_at: now.getTime() })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ time_zone: zone, updated_at: now.getTime() }))
    .execute();
  await rebuildUsageDays(trx, workspaceId, zone);
}

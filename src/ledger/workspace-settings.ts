import { UTC } from '../domain/days.ts';
import type { Call, Context, TxContext } from './context.ts';
import { rebuildUsageDays } from './usage-days.ts';
import type { WorkspaceRef } from './workspaces.ts';

/** The zone a workspace's days are counted in; `UTC` until the workspace chooses another. */
export async function timeZoneOf({ ctx, input }: Call<Pick<Context, 'store'>, WorkspaceRef>): Promise<string> {
  const row = await ctx.store.db
    .selectFrom('workspace_settings')
    .select('time_zone')
    .where('workspace_id', '=', input.workspaceId)
    .executeTakeFirst();
  return row?.time_zone ?? UTC;
}

/**
 * Saves the workspace's zone and rebuilds its local-day rollups for it, in the caller's transaction,
 * which holds the account lock so no charge of the workspace interleaves.
 */
export async function saveTimeZone({
  ctx,
  input,
}: Call<TxContext, { workspaceId: string; zone: string }>): Promise<void> {
  const { workspaceId, zone } = input;
  const updatedAt = ctx.now.getTime();
  await ctx.db
    .insertInto('workspace_settings')
    .values({ workspace_id: workspaceId, time_zone: zone, updated_at: updatedAt })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ time_zone: zone, updated_at: updatedAt }))
    .execute();
  await rebuildUsageDays(ctx.db, workspaceId, zone);
}

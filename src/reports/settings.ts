import { canonicalTimeZone, dayIn, UTC } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import { rebuildUsageDays } from '../ledger/usage-days.ts';
import { getWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';

/** A workspace's own choices. The one owner of `workspace_settings`. */
export interface WorkspaceSettings {
  /** The IANA zone usage days are counted in; `UTC` until the workspace chooses another. */
  timeZone: string;
}

export async function getSettings(store: Store, workspaceId: string): Promise<WorkspaceSettings> {
  await getWorkspace(store, workspaceId);
  return { timeZone: await timeZoneOf(store, workspaceId) };
}

/** The zone a workspace's days are counted in; for reads that already know the workspace exists. */
export async function timeZoneOf(store: Store, workspaceId: string): Promise<string> {
  const row = await store.db
    .selectFrom('workspace_settings')
    .select('time_zone')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.time_zone ?? UTC;
}

/**
 * Sets the zone; setting the same one again changes nothing. A new zone rebuilds the workspace's
 * local-day rollups from its quarter-hour rows, in the transaction that saves it: that transaction
 * takes the account lock, so no charge of the workspace interleaves, and its cost is one read of
 * the workspace's quarter-hour rows (src/ledger/usage-days.ts).
 */
export async function setTimeZone(
  store: Store,
  workspaceId: string,
  timeZone: string,
  now: Date,
): Promise<WorkspaceSettings> {
  const zone = canonicalTimeZone(timeZone);
  if (zone === null) {
    throw new TallyError(
      'invalid_request',
      'timeZone must be an IANA time zone name such as America/New_York or UTC.',
      {
        field: 'timeZone',
      },
    );
  }
  await store.transaction(async (tx, trx) => {
    const account = workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
    if (account.timeZone === zone) return;
    await trx
      .insertInto('workspace_settings')
      .values({ workspace_id: workspaceId, time_zone: zone, updated_at: now.getTime() })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ time_zone: zone, updated_at: now.getTime() }))
      .execute();
    await rebuildUsageDays(trx, workspaceId, zone);
  });
  return { timeZone: zone };
}

/** The settings verbs bound to one store and clock, for the routes; each answer says which day it is today there. */
export function createSettings(store: Store, clock: () => Date) {
  const withToday = (settings: WorkspaceSettings) => ({ ...settings, today: dayIn(clock(), settings.timeZone) });
  return {
    get: async (workspaceId: string) => withToday(await getSettings(store, workspaceId)),
    setTimeZone: async (workspaceId: string, timeZone: string) =>
      withToday(await setTimeZone(store, workspaceId, timeZone, clock())),
  };
}

export type Settings = ReturnType<typeof createSettings>;

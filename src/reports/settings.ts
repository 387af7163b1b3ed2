import { canonicalTimeZone, dayIn, UTC } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
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
 * Sets the zone; setting the same one again changes nothing. Past usage needs no rewrite: it is
 * kept by UTC quarter hour and grouped into the new zone's days when read.
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
  await getWorkspace(store, workspaceId);
  await store.db
    .insertInto('workspace_settings')
    .values({ workspace_id: workspaceId, time_zone: zone, updated_at: now.getTime() })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ time_zone: zone, updated_at: now.getTime() }))
    .execute();
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

import type { Clock } from '../domain/clock.ts';
import { canonicalTimeZone, dayIn } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import { saveTimeZone, timeZoneOf } from '../ledger/workspace-settings.ts';
import { getWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';

/** A workspace's own choices, kept in `workspace_settings` (src/ledger/workspace-settings.ts). */
export interface WorkspaceSettings {
  /** The IANA zone usage days are counted in; `UTC` until the workspace chooses another. */
  timeZone: string;
}

export async function getSettings(store: Store, workspaceId: string): Promise<WorkspaceSettings> {
  await getWorkspace(store, workspaceId);
  return { timeZone: await timeZoneOf(store, workspaceId) };
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
    await saveTimeZone(trx, workspaceId, zone, now);
  });
  return { timeZone: zone };
}

/** The settings verbs bound to one store and clock, for the routes; each answer says which day it is today there. */
export function createSettings(store: Store, clock: Clock) {
  const withToday = (settings: WorkspaceSettings) => ({ ...settings, today: dayIn(clock(), settings.timeZone) });
  return {
    get: async (workspaceId: string) => withToday(await getSettings(store, workspaceId)),
    setTimeZone: async (workspaceId: string, timeZone: string) =>
      withToday(await setTimeZone(store, workspaceId, timeZone, clock())),
  };
}

export type Settings = ReturnType<typeof createSettings>;

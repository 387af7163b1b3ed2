import { canonicalTimeZone, dayIn } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Call, Context } from '../ledger/context.ts';
import { saveTimeZone, timeZoneOf } from '../ledger/workspace-settings.ts';
import { getWorkspace, type WorkspaceRef } from '../ledger/workspaces.ts';

/** A workspace's own choices, kept in `workspace_settings` (src/ledger/workspace-settings.ts). */
export interface WorkspaceSettings {
  /** The IANA zone usage days are counted in; `UTC` until the workspace chooses another. */
  timeZone: string;
  /** Which day it is today in that zone. */
  today: string;
}

export async function getSettings({ ctx, input }: { ctx: Context; input: WorkspaceRef }): Promise<WorkspaceSettings> {
  const now = ctx.clock();
  await getWorkspace({ ctx, input });
  const timeZone = await timeZoneOf({ ctx, input });
  return { timeZone, today: dayIn(now, timeZone) };
}

/**
 * Sets the zone; setting the same one again changes nothing. A new zone rebuilds the workspace's
 * local-day rollups from its quarter-hour rows, in the transaction that saves it: that transaction
 * takes the account lock, so no charge of the workspace interleaves, and its cost is one read of
 * the workspace's quarter-hour rows (src/ledger/usage-days.ts).
 */
export async function setTimeZone({
  ctx,
  input,
}: Call<Context, WorkspaceRef & { timeZone: string }>): Promise<WorkspaceSettings> {
  const now = ctx.clock();
  const { workspaceId } = input;
  const zone = canonicalTimeZone(input.timeZone);
  if (zone === null) {
    throw new TallyError(
      'invalid_request',
      'timeZone must be an IANA time zone name such as America/New_York or UTC.',
      {
        field: 'timeZone',
      },
    );
  }
  await ctx.store.transaction(async (tx, db) => {
    const account = workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
    if (account.timeZone === zone) return;
    await saveTimeZone({ ctx: { tx, db, now }, input: { workspaceId, zone } });
  });
  return { timeZone: zone, today: dayIn(now, zone) };
}

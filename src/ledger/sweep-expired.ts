import { AccountState } from './account-state.ts';
import type { Context } from './context.ts';

/** The most workspaces one sweep settles. */
const SWEEP_LIMIT = 500;

/**
 * Writes the expiry lines for grants that have run out. Balances never wait for this (every read
 * ignores expired grants at once); it only makes the statement show the expiry soon after it happens.
 */
export async function sweepExpired({ ctx }: { ctx: Context }): Promise<number> {
  const now = ctx.clock();
  const rows = await ctx.store.db
    .selectFrom('grants')
    .select('workspace_id')
    .distinct()
    .where('remaining', '>', 0)
    .where('expires_at', '<=', now.getTime())
    .limit(SWEEP_LIMIT)
    .execute();
  for (const row of rows) {
    await ctx.store.transaction(async (tx) => {
      const state = await AccountState.open(tx, row.workspace_id, now);
      await state.flush();
    });
  }
  return rows.length;
}

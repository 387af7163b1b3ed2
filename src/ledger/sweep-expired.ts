import type { Store } from '../store/store.ts';
import { AccountState } from './account-state.ts';

/**
 * Writes the expiry lines for grants that have run out. Balances never wait for this (every read
 * ignores expired grants at once); it only makes the statement show the expiry soon after it happens.
 */
export async function sweepExpired(store: Store, now: Date, limit = 500): Promise<number> {
  const rows = await store.db
    .selectFrom('grants')
    .select('workspace_id')
    .distinct()
    .where('remaining', '>', 0)
    .where('expires_at', '<=', now.getTime())
    .limit(limit)
    .execute();
  for (const row of rows) {
    await store.transaction(async (tx) => {
      const state = await AccountState.open(tx, row.workspace_id, now);
      await state.flush();
    });
  }
  return rows.length;
}

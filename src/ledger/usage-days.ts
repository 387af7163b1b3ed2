import type { Kysely, Transaction } from 'kysely';
import { usageDaysOf } from '../domain/usage-slots.ts';
import type { Database } from '../store/schema.ts';

/** Rows per insert: 8 parameters each stays well under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

/** The workspace's quarter-hour rollups regrouped by local day of `zone`: what its `usage_days` must hold. */
export async function expectedUsageDays(db: Kysely<Database>, workspaceId: string, zone: string) {
  const slots = await db
    .selectFrom('usage_slots')
    .select(['slot', 'channel', 'agent_id', 'features', 'credits_used', 'responses', 'conversations'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('slot')
    .execute();
  return usageDaysOf(slots, zone);
}

/**
 * Replaces the workspace's `usage_days` with its quarter-hour rollups grouped by local day of
 * `zone`, exact on DST days. Runs inside the caller's transaction, which holds the account lock so
 * no charge of the workspace interleaves; it reads every quarter-hour row of the workspace once.
 */
export async function rebuildUsageDays(trx: Transaction<Database>, workspaceId: string, zone: string): Promise<void> {
  const days = await expectedUsageDays(trx, workspaceId, zone);
  await trx.deleteFrom('usage_days').where('workspace_id', '=', workspaceId).execute();
  for (let at = 0; at < days.length; at += CHUNK) {
    const rows = days.slice(at, at + CHUNK).map((row) => ({ workspace_id: workspaceId, ...row }));
    await trx.insertInto('usage_days').values(rows).execute();
  }
}

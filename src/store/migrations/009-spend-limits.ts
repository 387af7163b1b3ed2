import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * A workspace's spend limits and what each has counted this period, as JSON on the row every charge
 * already locks and reads: a workspace without limits (null) pays nothing for the feature, one with
 * limits one UPDATE per transaction that spends.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('spend_limits', 'text').execute();
}

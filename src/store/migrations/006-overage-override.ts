import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * The overage limit the operator chose for a workspace, which plan changes and renewals keep; null
 * means the plan's. `overage_limit` stays the limit in force, the one the ledger reads. Workspaces
 * from before have no record of who set their limit: they follow their plan, as they did.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('overage_limit_override', 'bigint').execute();
}

import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Auto top-up: each workspace's settings, and one row per attempt to buy a pack (what it cost, how
 * it was paid, the grant it made), so billing history can list them.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('auto_top_ups')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull().check(sql`enabled in (0, 1)`))
    .addColumn('threshold', 'bigint', (c) => c.notNull().check(sql`threshold >= 0`))
    .addColumn('pack', 'text', (c) => c.notNull())
    .addColumn('max_per_month', 'integer', (c) => c.notNull().check(sql`max_per_month between 1 and 100`))
    // 1 while the balance has been at or above the threshold since the last attempt: the next fall below buys.
    .addColumn('armed', 'integer', (c) => c.notNull().check(sql`armed in (0, 1)`))
    // How many crossings have been decided: the next attempt's number, unique per workspace.
    .addColumn('crossings', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('auto_top_up_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('crossing', 'integer', (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('pack_name', 'text', (c) => c.notNull())
    .addColumn('credits', 'bigint', (c) => c.notNull())
    .addColumn('validity_months', 'integer', (c) => c.notNull())
    // The pack's price in the currency's smallest unit (cents), as charged.
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'paying', 'processing', 'succeeded', 'failed', 'requires_action')`),
    )
    .addColumn('payment_provider', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('grant_id', 'text')
    .addColumn('error', 'text')
    .addColumn('action_url', 'text')
    // A payer's claim on a `paying` attempt ends here; after it another payer may take it over.
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // One attempt per crossing, whatever the number of processes deciding it.
  await db.schema
    .createIndex('auto_top_up_attempts_crossing')
    .on('auto_top_up_attempts')
    .columns(['workspace_id', 'crossing'])
    .unique()
    .execute();
  await db.schema
    .createIndex('auto_top_up_attempts_due')
    .on('auto_top_up_attempts')
    .columns(['status', 'created_at'])
    .execute();
}

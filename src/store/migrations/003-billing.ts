import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/** Subscriptions (one per workspace), the agents a plan counts, and the Stripe events already handled. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('subscriptions')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('pending_plan', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'past_due')`))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('manual', 'stripe')`))
    .addColumn('period_anchor', 'bigint', (c) => c.notNull())
    .addColumn('current_period_start', 'bigint', (c) => c.notNull())
    .addColumn('current_period_end', 'bigint', (c) => c.notNull())
    .addColumn('paid_through', 'bigint')
    .addColumn('stripe_customer_id', 'text')
    .addColumn('stripe_subscription_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('subscriptions_period', sql`current_period_end > current_period_start`)
    .execute();
  // The renewal runner asks for the subscriptions whose period has ended.
  await db.schema
    .createIndex('subscriptions_due')
    .on('subscriptions')
    .columns(['current_period_end', 'workspace_id'])
    .execute();
  await db.schema
    .createIndex('subscriptions_stripe')
    .on('subscriptions')
    .column('stripe_subscription_id')
    .where(sql.ref('stripe_subscription_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_pk', ['workspace_id', 'id'])
    .execute();

  // An event id is inserted in the same transaction as its effect, so a redelivery finds it and changes nothing.
  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();

  // Rollover reads what the sweep wrote off when a period's grants expired; only expiry lines are
  // indexed, so the hot path's charge lines pay nothing for it.
  await sql`create index ledger_lines_expiry on ledger_lines (workspace_id, grant_id) where kind = 'expire'`.execute(
    db,
  );
}

import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/** Low-credit alert state per workspace, the operator's webhook subscriptions, and the durable outbox. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // The last credit state announced per workspace: a crossing is a change of this row, made under the
  // workspace's account lock, so every process agrees on it. No row: nothing announced yet, default threshold.
  await db.schema
    .createTable('alert_states')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    // NULL until a state is first announced.
    .addColumn('state', 'text', (c) => c.check(sql`state in ('ok', 'low', 'depleted')`))
    .addColumn('threshold_kind', 'text', (c) => c.check(sql`threshold_kind in ('share', 'absolute')`))
    // share: basis points of the period's allocation (2000 = 20%); absolute: millicredits.
    .addColumn('threshold_value', 'bigint', (c) => c.check(sql`threshold_value >= 0`))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('alert_states_threshold', sql`(threshold_kind is null) = (threshold_value is null)`)
    .execute();

  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    // Space-separated event types, like API key scopes.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();

  // seq orders the events of one transaction (credits.low before credits.depleted) where created_at ties.
  const events = db.schema.createTable('webhook_events');
  await (dialect === 'postgres'
    ? events.addColumn('seq', 'bigserial', (c) => c.primaryKey())
    : events.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // NULL keys never collide, so only events recorded with a key are deduplicated.
  await db.schema
    .createIndex('webhook_events_dedupe')
    .on('webhook_events')
    .columns(['workspace_id', 'dedupe_key'])
    .unique()
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().references('webhook_events.id'))
    // The event's seq, so the log reads one subscription's deliveries in event order from one index.
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'delivered', 'failed', 'cancelled')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // When a pending delivery is next due; a worker's claim moves it one lease ahead.
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // The worker's poll reads only what is still pending.
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await db.schema
    .createIndex('webhook_deliveries_log')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'event_seq'])
    .execute();

  const attempts = db.schema.createTable('webhook_attempts');
  await (dialect === 'postgres'
    ? attempts.addColumn('seq', 'bigserial', (c) => c.primaryKey())
    : attempts.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_attempts_delivery')
    .on('webhook_attempts')
    .columns(['delivery_id', 'seq'])
    .execute();
}

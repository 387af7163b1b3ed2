import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Usage levels per workspace, and e-mail notices: whether this deployment sends mail, one delivery
 * per event and user (the e-mail side of the outbox), and the users who unsubscribed.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  // One row per workspace that set levels or reached one. Read under the account lock in every ledger transaction.
  await db.schema
    .createTable('alert_levels')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    // JSON list of levels; NULL: the defaults.
    .addColumn('levels', 'text')
    // JSON map of level key → start of the period in which it was reached; a key leaves when the level is left.
    .addColumn('reached', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A reference table of one row: whether mail is queued at all (TALLY_SMTP_URL set), stated by each process at start.
  await db.schema
    .createTable('email_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('enabled', 'integer', (c) => c.notNull().check(sql`enabled in (0, 1)`))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('email_deliveries')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull().references('webhook_events.id'))
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'delivered', 'failed', 'cancelled')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_deliveries_pkey', ['workspace_id', 'id'])
    .execute();
  await sql`create index email_deliveries_due on email_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );

  await db.schema
    .createTable('email_opt_outs')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_opt_outs_pkey', ['workspace_id', 'user_id'])
    .execute();
}

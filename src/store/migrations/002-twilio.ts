import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('twilio_connections')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('auth_kind', 'text', (c) => c.notNull().check(sql`auth_kind in ('auth_token', 'api_key')`))
    .addColumn('api_key_sid', 'text')
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('connected_at', 'bigint', (c) => c.notNull())
    // An API key connection is useless without the key's SID; an Auth Token one must not carry a stray one.
    .addCheckConstraint('twilio_connections_key_sid', sql`(auth_kind = 'api_key') = (api_key_sid is not null)`)
    .execute();

  // One row per workspace, replaced on every successful refresh: it is a cache that survives restarts, not a history.
  await db.schema
    .createTable('twilio_figures')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('balance', 'text')
    .addColumn('currency', 'text')
    .addColumn('spend', 'text', (c) => c.notNull())
    .addColumn('spend_currency', 'text', (c) => c.notNull())
    .addColumn('calls', 'bigint')
    .addColumn('call_minutes', 'bigint')
    .addColumn('daily', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'bigint', (c) => c.notNull())
    .execute();
}

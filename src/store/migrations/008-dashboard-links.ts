import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Dashboard sessions a host platform opens for its users: one-time links, and sessions that belong
 * to no user (opened by a link) with a role and the platform's return URL.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('dashboard_links')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    // The SHA-256 of the link's token: a copy of this table opens nothing.
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('return_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set once, by the conditional update that opens the link: a second open finds it set.
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('dashboard_links_pkey', ['workspace_id', 'token_hash'])
    .execute();
  await db.schema.createIndex('dashboard_links_expiry').on('dashboard_links').column('expires_at').execute();

  if (dialect === 'postgres') {
    await sql`alter table sessions alter column user_id drop not null`.execute(db);
    await sql`alter table sessions add column role text not null default 'admin'`.execute(db);
    await sql`alter table sessions add column return_url text`.execute(db);
    return;
  }
  // SQLite cannot drop a NOT NULL: the table is rebuilt with the same rows (nothing references it).
  await db.schema
    .createTable('sessions_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('admin'))
    .addColumn('return_url', 'text')
    .execute();
  await sql`insert into sessions_next (id, user_id, workspace_id, csrf_token, created_at, last_seen_at, expires_at)
    select id, user_id, workspace_id, csrf_token, created_at, last_seen_at, expires_at from sessions`.execute(db);
  await db.schema.dropTable('sessions').execute();
  await db.schema.alterTable('sessions_next').renameTo('sessions').execute();
  await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
}

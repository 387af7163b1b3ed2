import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Every primary and unique key of a per-workspace table starts with `workspace_id`, so Citus can
 * distribute those tables by workspace (docs/scaling.md, "Past one database"): the ledger lines, the
 * webhook outbox (events, deliveries, and attempts, which gain the column), the auto top-up attempts
 * and the sessions. Deliveries point at their event by (workspace_id, event_id), a key Citus can keep
 * on one shard. `users` becomes a reference table, which may not point at a distributed one, so its
 * foreign key to `workspaces` goes. Lookups by id alone that remain (a session by a cookie issued
 * before this migration, a top-up attempt by the id Stripe echoes) get their own plain index.
 *
 * SQLite is never distributed: there the ledger, event and attempt `seq` stay the rowid (the only way
 * it numbers rows), the users keep their foreign key, and the other tables are rebuilt with the same
 * keys as on PostgreSQL, so every query and ON CONFLICT target means the same on both.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await keysOnPostgres(db);
  else await keysOnSqlite(db);
}

async function keysOnPostgres(db: Kysely<unknown>): Promise<void> {
  const statements = [
    'alter table ledger_lines drop constraint ledger_lines_pkey, add primary key (workspace_id, seq)',
    // The new primary key is this index.
    'drop index ledger_lines_workspace',

    'alter table webhook_deliveries drop constraint webhook_deliveries_event_id_fkey',
    'alter table email_deliveries drop constraint email_deliveries_event_id_fkey',
    `alter table webhook_events drop constraint webhook_events_pkey, add primary key (workspace_id, seq),
       drop constraint webhook_events_id_key, add constraint webhook_events_id_key unique (workspace_id, id)`,
    `alter table webhook_deliveries drop constraint webhook_deliveries_pkey, add primary key (workspace_id, id),
       add constraint webhook_deliveries_event_id_fkey foreign key (workspace_id, event_id)
         references webhook_events (workspace_id, id)`,
    `alter table email_deliveries add constraint email_deliveries_event_id_fkey foreign key (workspace_id, event_id)
       references webhook_events (workspace_id, id)`,

    'alter table webhook_attempts add column workspace_id text',
    `update webhook_attempts a set workspace_id = d.workspace_id from webhook_deliveries d where d.id = a.delivery_id`,
    `alter table webhook_attempts alter column workspace_id set not null,
       drop constraint webhook_attempts_pkey, add primary key (workspace_id, seq)`,

    'alter table auto_top_up_attempts drop constraint auto_top_up_attempts_pkey, add primary key (workspace_id, id)',
    'create index auto_top_up_attempts_id on auto_top_up_attempts (id)',

    'alter table sessions drop constraint sessions_pkey, add primary key (workspace_id, id)',
    'create index sessions_token on sessions (id)',

    'alter table users drop constraint users_workspace_id_fkey',
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

interface Rebuild {
  table: string;
  /** The new table's columns and constraints. */
  definition: string;
  /** Column list of the copy, and what to select for it from the old table (default: the same columns). */
  columns: string;
  select?: string;
  indexes: string[];
}

const SQLITE_REBUILDS: Rebuild[] = [
  {
    table: 'webhook_events',
    definition: `seq integer primary key autoincrement, id text not null, workspace_id text not null,
      type text not null, data text not null, dedupe_key text, created_at bigint not null,
      constraint webhook_events_id_key unique (workspace_id, id)`,
    columns: 'seq, id, workspace_id, type, data, dedupe_key, created_at',
    indexes: ['create unique index webhook_events_dedupe on webhook_events (workspace_id, dedupe_key)'],
  },
  {
    table: 'webhook_deliveries',
    definition: `id text not null, event_id text not null, event_seq bigint not null,
      subscription_id text not null references webhook_subscriptions (id), workspace_id text not null,
      status text not null check (status in ('pending', 'delivered', 'failed', 'cancelled')),
      attempts integer not null, next_attempt_at bigint not null, lease_token text, last_attempt_at bigint,
      last_status_code integer, last_error text, delivered_at bigint, created_at bigint not null,
      primary key (workspace_id, id),
      foreign key (workspace_id, event_id) references webhook_events (workspace_id, id)`,
    columns: `id, event_id, event_seq, subscription_id, workspace_id, status, attempts, next_attempt_at,
      lease_token, last_attempt_at, last_status_code, last_error, delivered_at, created_at`,
    indexes: [
      `create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`,
      'create index webhook_deliveries_log on webhook_deliveries (subscription_id, event_seq)',
    ],
  },
  {
    table: 'email_deliveries',
    definition: `workspace_id text not null, id text not null, event_id text not null, event_seq bigint not null,
      user_id text not null, status text not null check (status in ('pending', 'delivered', 'failed', 'cancelled')),
      attempts integer not null, next_attempt_at bigint not null, lease_token text, last_attempt_at bigint,
      last_error text, delivered_at bigint, created_at bigint not null,
      constraint email_deliveries_pkey primary key (workspace_id, id),
      foreign key (workspace_id, event_id) references webhook_events (workspace_id, id)`,
    columns: `workspace_id, id, event_id, event_seq, user_id, status, attempts, next_attempt_at, lease_token,
      last_attempt_at, last_error, delivered_at, created_at`,
    indexes: [`create index email_deliveries_due on email_deliveries (next_attempt_at) where status = 'pending'`],
  },
  {
    table: 'webhook_attempts',
    definition: `seq integer primary key autoincrement, delivery_id text not null, attempt integer not null,
      at bigint not null, status_code integer, error text, response_excerpt text, duration_ms integer not null,
      workspace_id text not null`,
    columns: 'seq, delivery_id, attempt, at, status_code, error, response_excerpt, duration_ms, workspace_id',
    select: `seq, delivery_id, attempt, at, status_code, error, response_excerpt, duration_ms,
      (select d.workspace_id from webhook_deliveries d where d.id = webhook_attempts.delivery_id)`,
    indexes: ['create index webhook_attempts_delivery on webhook_attempts (delivery_id, seq)'],
  },
  {
    table: 'auto_top_up_attempts',
    definition: `id text not null, workspace_id text not null references workspaces (id) on delete cascade,
      crossing integer not null, pack_id text not null, pack_name text not null, credits bigint not null,
      validity_months integer not null, amount bigint not null, currency text not null,
      status text not null
        check (status in ('pending', 'paying', 'processing', 'succeeded', 'failed', 'requires_action')),
      payment_provider text not null, payment_id text, grant_id text, error text, action_url text,
      lease_until bigint, created_at bigint not null, paid_at bigint, updated_at bigint not null,
      primary key (workspace_id, id)`,
    columns: `id, workspace_id, crossing, pack_id, pack_name, credits, validity_months, amount, currency, status,
      payment_provider, payment_id, grant_id, error, action_url, lease_until, created_at, paid_at, updated_at`,
    indexes: [
      'create unique index auto_top_up_attempts_crossing on auto_top_up_attempts (workspace_id, crossing)',
      'create index auto_top_up_attempts_due on auto_top_up_attempts (status, created_at)',
      'create index auto_top_up_attempts_id on auto_top_up_attempts (id)',
    ],
  },
  {
    table: 'sessions',
    definition: `id text not null, user_id text references users (id) on delete cascade, workspace_id text not null,
      csrf_token text not null, created_at bigint not null, last_seen_at bigint not null, expires_at bigint not null,
      role text not null default 'admin', return_url text,
      primary key (workspace_id, id)`,
    columns: 'id, user_id, workspace_id, csrf_token, created_at, last_seen_at, expires_at, role, return_url',
    indexes: [
      'create index sessions_expiry on sessions (expires_at)',
      'create index sessions_user on sessions (user_id)',
      'create index sessions_token on sessions (id)',
    ],
  },
];

/**
 * SQLite changes a key only by rebuilding the table. Foreign keys are off while parents and children
 * are swapped (a pragma that only takes effect outside a transaction), checked before the commit, and
 * the whole rebuild is one transaction: a crash leaves the old tables.
 */
async function keysOnSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      for (const rebuild of SQLITE_REBUILDS) await rebuildTable(db, rebuild);
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0)
        throw new Error(`016: foreign keys broken by the rebuild: ${JSON.stringify(broken.rows)}`);
      await sql`commit`.execute(db);
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function rebuildTable(db: Kysely<unknown>, { table, definition, columns, select, indexes }: Rebuild) {
  await sql.raw(`create table ${table}_next (${definition})`).execute(db);
  await sql.raw(`insert into ${table}_next (${columns}) select ${select ?? columns} from ${table}`).execute(db);
  await sql.raw(`drop table ${table}`).execute(db);
  await sql.raw(`alter table ${table}_next rename to ${table}`).execute(db);
  for (const index of indexes) await sql.raw(index).execute(db);
}

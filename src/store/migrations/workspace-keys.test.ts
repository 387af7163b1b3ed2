import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeStore, postgresFactory } from '../../../test/support/stores.ts';

/**
 * Where each table would live on Citus (docs/scaling.md, "Past one database"). Every table not
 * named here is distributed by `workspace_id`, colocated with the workspaces.
 */
type Placement =
  | { kind: 'workspace'; column: string; why: string }
  | { kind: 'reference'; why: string }
  | { kind: 'own'; column: string; why: string }
  | { kind: 'coordinator'; why: string };

const PLACEMENTS: Record<string, Placement> = {
  workspaces: { kind: 'workspace', column: 'id', why: 'its own id is the workspace id' },
  rate_cards: { kind: 'reference', why: 'the price catalog, the same for every workspace, read by every charge' },
  email_settings: { kind: 'reference', why: 'one row for the deployment' },
  webhook_subscriptions: { kind: 'reference', why: "the operator's endpoints, which receive every workspace's events" },
  api_keys: {
    kind: 'reference',
    why: 'found by the hash of the bearer token before the workspace is known; operator keys have none; written only when a key is issued or revoked',
  },
  users: {
    kind: 'reference',
    why: 'sign-in finds a user by email before the workspace is known, and an email is one user in the deployment; few rows, rarely written',
  },
  stripe_events: {
    kind: 'reference',
    why: "Stripe's event id is claimed before the event says which workspace it is for, and some are for none; a few per payment",
  },
  sign_in_attempts: {
    kind: 'own',
    column: 'key',
    why: 'counts attempts per (email, address) before any workspace is known, on every attempt: spread by its own key, joined with nothing',
  },
  kysely_migration: { kind: 'coordinator', why: "the migrator's bookkeeping, next to the schema it describes" },
  kysely_migration_lock: { kind: 'coordinator', why: "the migrator's lock" },
};

const placementOf = (table: string): Placement =>
  PLACEMENTS[table] ?? { kind: 'workspace', column: 'workspace_id', why: 'per-workspace rows' };

/** What would keep `schema` from being distributed by workspace as PLACEMENTS says; empty when nothing. */
async function violations(db: Kysely<unknown>, schema: string): Promise<string[]> {
  const found: string[] = [];
  const tables = await sql<{ table: string; columns: string[] }>`
    select t.table_name as table,
           array(select c.column_name from information_schema.columns c
                 where c.table_schema = t.table_schema and c.table_name = t.table_name)::text[] as columns
    from information_schema.tables t
    where t.table_schema = ${schema} and t.table_type = 'BASE TABLE'`.execute(db);
  for (const { table, columns } of tables.rows) {
    const placement = placementOf(table);
    if ((placement.kind === 'workspace' || placement.kind === 'own') && !columns.includes(placement.column)) {
      found.push(`${table} has no ${placement.column} column`);
    }
  }
  for (const table of Object.keys(PLACEMENTS)) {
    if (!tables.rows.some((row) => row.table === table)) found.push(`${table} is named as an exception but absent`);
  }

  // Primary keys, unique constraints and unique indexes alike: each is a unique index.
  const keys = await sql<{ table: string; key: string; first: string | null }>`
    select t.relname as table, i.relname as key, a.attname::text as first
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
    where n.nspname = ${schema} and x.indisunique`.execute(db);
  for (const { table, key, first } of keys.rows) {
    const placement = placementOf(table);
    if ((placement.kind === 'workspace' || placement.kind === 'own') && first !== placement.column) {
      found.push(`${table}.${key} starts with ${first ?? 'an expression'}, not ${placement.column}`);
    }
  }

  // Citus keeps a foreign key only within one shard: between colocated tables on the distribution
  // column, or to a reference table; a reference table may not point at a distributed one.
  const foreignKeys = await sql<{
    key: string;
    table: string;
    columns: string[];
    parent: string;
    parentColumns: string[];
  }>`
    select c.conname as key, t.relname as table, p.relname as parent,
           array(select a.attname from unnest(c.conkey) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.n)::text[] as columns,
           array(select a.attname from unnest(c.confkey) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum order by k.n)::text[] as "parentColumns"
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_class p on p.oid = c.confrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = ${schema} and c.contype = 'f'`.execute(db);
  for (const { key, table, columns, parent, parentColumns } of foreignKeys.rows) {
    const child = placementOf(table);
    const referenced = placementOf(parent);
    if (referenced.kind === 'reference') continue;
    const sameShard =
      child.kind === 'workspace' &&
      referenced.kind === 'workspace' &&
      columns.some((column, i) => column === child.column && parentColumns[i] === referenced.column);
    if (!sameShard) found.push(`${table}.${key} points at ${parent} across shards`);
  }
  return found;
}

describeStore(postgresFactory, 'a schema Citus can distribute by workspace', (ctx) => {
  it('starts every key of every per-workspace table with workspace_id, and keeps foreign keys on one shard', async () => {
    if (ctx.location.kind !== 'postgres') throw new Error('a PostgreSQL store was expected');
    expect(await violations(ctx.store.db as Kysely<unknown>, ctx.location.schema)).toEqual([]);
  });

  it('names a new table, unique key or foreign key that would not distribute', async () => {
    if (ctx.location.kind !== 'postgres') throw new Error('a PostgreSQL store was expected');
    const db = ctx.store.db as Kysely<unknown>;
    await sql`create table invoices (id text primary key, total bigint not null)`.execute(db);
    await sql`create unique index grants_by_fingerprint on grants (fingerprint)`.execute(db);
    await sql`alter table users add constraint users_first_grant foreign key (workspace_id, id)
              references grants (workspace_id, id)`.execute(db);
    expect(await violations(db, ctx.location.schema)).toEqual(
      expect.arrayContaining([
        'invoices has no workspace_id column',
        'invoices.invoices_pkey starts with id, not workspace_id',
        'grants.grants_by_fingerprint starts with fingerprint, not workspace_id',
        'users.users_first_grant points at grants across shards',
      ]),
    );
  });
});

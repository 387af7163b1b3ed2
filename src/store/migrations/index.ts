import { type Kysely, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import * as ledger from './001-ledger.ts';
import * as twilio from './002-twilio.ts';
import * as billing from './003-billing.ts';
import * as alerts from './004-alerts.ts';
import * as users from './005-users.ts';
import * as overageOverride from './006-overage-override.ts';
import * as twilioFiguresByPart from './007-twilio-figures-by-part.ts';
import * as dashboardLinks from './008-dashboard-links.ts';
import * as spendLimits from './009-spend-limits.ts';
import * as autoTopUp from './010-auto-top-up.ts';
import * as alertLevelsEmail from './011-alert-levels-email.ts';
import * as timeZones from './012-time-zones.ts';
import * as conversationReads from './013-conversation-reads.ts';
import * as dropIdempotencyRecords from './014-drop-idempotency-records.ts';
import * as localDayRollups from './015-local-day-rollups.ts';
import * as workspaceKeys from './016-workspace-keys.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** In order; a new migration is a new file appended here, never an edit to one that has shipped. */
const MIGRATIONS = {
  '001-ledger': ledger,
  '002-twilio': twilio,
  '003-billing': billing,
  '004-alerts': alerts,
  '005-users': users,
  '006-overage-override': overageOverride,
  '007-twilio-figures-by-part': twilioFiguresByPart,
  '008-dashboard-links': dashboardLinks,
  '009-spend-limits': spendLimits,
  '010-auto-top-up': autoTopUp,
  '011-alert-levels-email': alertLevelsEmail,
  '012-time-zones': timeZones,
  '013-conversation-reads': conversationReads,
  '014-drop-idempotency-records': dropIdempotencyRecords,
  '015-local-day-rollups': localDayRollups,
  '016-workspace-keys': workspaceKeys,
} satisfies Record<string, DialectMigration>;

/**
 * Kysely's own migration lock id: a process of an earlier Tally, which takes Kysely's lock, and this one
 * never migrate at once.
 */
const MIGRATION_LOCK = '3853314791062309107';

/**
 * Brings the schema up to date. Safe to run from several processes at once, and through a pooler in
 * transaction mode (PgBouncer): on PostgreSQL the whole run is one transaction that first takes a
 * transaction-level advisory lock, so every statement of it reaches one server connection and the lock
 * ends with it. Kysely's own lock is session-level, taken and released in transactions of their own:
 * behind transaction pooling its release can reach another server connection, the lock stays with an
 * idle one, and every later start waits for it (seen with PgBouncer 1.18, docs/scaling.md).
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect, schema?: string): Promise<string[]> {
  if (dialect !== 'postgres') return applied(await migrator(db, dialect, schema).migrateToLatest());
  return db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection);
    try {
      await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(connection);
      const done = applied(await migrator(connection, dialect, schema, { inTransaction: true }).migrateToLatest());
      await sql`commit`.execute(connection);
      return done;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}

/** Brings the schema up to `name` and no further: a migration's test starts from the schema before it. */
export async function migrateTo(
  db: Kysely<unknown>,
  dialect: Dialect,
  name: MigrationName,
  schema?: string,
): Promise<string[]> {
  return applied(await migrator(db, dialect, schema).migrateTo(name));
}

export type MigrationName = keyof typeof MIGRATIONS;

/** Kysely's migrator; `inTransaction` when the caller's open transaction holds every migration. */
function migrator(
  db: Kysely<unknown>,
  dialect: Dialect,
  schema: string | undefined,
  { inTransaction = false } = {},
): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(MIGRATIONS)) {
    migrations[name] = { up: (kysely) => migration.up(kysely, dialect) };
  }
  // Kysely looks for its bookkeeping tables across schemas; naming ours keeps databases that hold several apart.
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Features land in parallel with reserved numbers (003 may ship after 005); each touches only its own tables.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
    disableTransactions: inTransaction,
  });
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

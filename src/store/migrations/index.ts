import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Dialect } from '../store.ts';
import * as ledger from './001-ledger.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** In order; a new migration is a new file appended here, never an edit to one that has shipped. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '001-ledger': ledger,
};

/** Brings the schema up to date. Safe to run from several processes at once: Kysely takes a lock row. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const migrations: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(MIGRATIONS)) {
    migrations[name] = { up: (kysely) => migration.up(kysely, dialect) };
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

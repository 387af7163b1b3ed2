import type { Config } from './config.ts';
import { openPostgres } from './store/postgres/open.ts';
import { openSqlite } from './store/sqlite/open.ts';
import type { Store } from './store/store.ts';

/**
 * PostgreSQL when TALLY_DATABASE_URL is set (with TALLY_DATABASE_READ_URL's replica for the shown
 * reads), else the embedded SQLite file. Migrations run on open.
 */
export function openStore(
  config: Pick<Config, 'databaseUrl' | 'sqliteFile' | 'sqliteSynchronous'> & Partial<Pick<Config, 'databaseReadUrl'>>,
): Promise<Store> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, { readUrl: config.databaseReadUrl ?? null })
    : openSqlite(config.sqliteFile, { synchronous: config.sqliteSynchronous });
}

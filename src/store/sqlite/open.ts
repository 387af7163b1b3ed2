import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import { BalanceObservers } from '../balance-observers.ts';
import { KyselyLedgerTx } from '../ledger-queries.ts';
import { migrateToLatest } from '../migrations/index.ts';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { GroupCommit } from './group-commit.ts';
import { SqliteLedgerTx, SqliteStatements } from './sqlite-ledger-tx.ts';
import { cachingStatements } from './statement-cache.ts';

/**
 * BEGIN IMMEDIATE takes SQLite's write lock when the transaction starts. With a plain BEGIN, two
 * connections that both read and then write would deadlock and one would fail with SQLITE_BUSY;
 * this way the second waits (busy_timeout) and then runs against the committed state.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

export interface SqliteOptions {
  /** `full` syncs the WAL on every commit, so an acknowledged charge survives power loss, not just a crash. */
  synchronous?: 'full' | 'normal';
}

export async function openSqlite(file: string, options: SqliteOptions = {}): Promise<Store> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const database = new SQLite(file);
  // The books are for Tally's user alone; SQLite gives the -wal and -shm files the same mode.
  if (file !== ':memory:') chmodSync(file, 0o600);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.synchronous ?? 'full'}`);
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  const observers = new BalanceObservers();
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(cachingStatements(database)) });
  await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  const statements = new SqliteStatements(database);
  const group = new GroupCommit(db);
  return {
    dialect: 'sqlite',
    db,
    // SQLite has no replica: the shown reads are the store's own.
    get replica(): Store['replica'] {
      return { db, snapshot: (fn) => this.snapshot((_reader, connection) => fn(connection)) };
    },
    async transaction(fn) {
      const opened: SqliteLedgerTx[] = [];
      const result = await group.run((trx) => {
        const tx = new SqliteLedgerTx(statements, trx, { observers, trx });
        opened.push(tx);
        return fn(tx, trx);
      });
      // group.run settles after the COMMIT: only now may what the transaction read be shared.
      for (const tx of opened) tx.committed();
      return result;
    },
    reader: () => new KyselyLedgerTx(db),
    // A plain (deferred) BEGIN: its snapshot starts at the first read and takes no write lock, so
    // other connections keep committing while it reads.
    snapshot: (fn) =>
      db.connection().execute(async (connection) => {
        await sql`begin`.execute(connection);
        try {
          const result = await fn(new KyselyLedgerTx(connection), connection);
          await sql`commit`.execute(connection);
          return result;
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
      }),
    now: () => new Date(),
    observeBalances: (name, observer) => observers.set(name, observer),
    close: () => db.destroy(),
  } satisfies Store;
}

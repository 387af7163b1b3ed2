import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { BalanceObservers } from '../balance-observers.ts';
import { KyselyLedgerTx } from '../ledger-queries.ts';
import { migrateToLatest } from '../migrations/index.ts';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { ImmediateSqliteDialect } from './dialect.ts';
import { GroupCommit } from './group-commit.ts';
import { SqliteLedgerTx, SqliteStatements } from './sqlite-ledger-tx.ts';
import { cachingStatements } from './statement-cache.ts';
import { SyncPipeline } from './sync-pipeline.ts';
import { WalFile } from './wal-file.ts';
import { WriteDurability } from './write-durability.ts';

export interface SqliteOptions {
  /**
   * `full` (the default): a write is acknowledged only once its commit is synced to disk, so an
   * acknowledged charge survives power loss, not just a crash. `normal`: nothing waits for a sync;
   * what was acknowledged survives Tally crashing but may be lost with the machine's power.
   */
  synchronous?: 'full' | 'normal';
}

/**
 * Durable commits without blocking the event loop. better-sqlite3 runs on the main thread, so a
 * COMMIT that syncs (`synchronous = FULL`) stops every request while the disk syncs. Instead every
 * COMMIT runs with `synchronous = NORMAL`, which in WAL mode writes the transaction's frames to the
 * `-wal` file without syncing it, and with `full` the group commit answers its callers only after an
 * fdatasync of that file on libuv's thread pool (WalFile) has finished; the next transaction runs
 * meanwhile. This is as safe as FULL because, in WAL mode with NORMAL, SQLite syncs the WAL before
 * every checkpoint, so no frame reaches the database file before it is on disk in the WAL, and it
 * writes the WAL over from its start (a restart) only after a checkpoint has copied every frame. A
 * frame lost with the power is therefore one no caller was told about.
 *
 * The one difference from FULL: a read by anyone but the transaction's callers (another request,
 * the outbox worker, another process) may see a commit up to one fdatasync before it is on disk;
 * no caller is acknowledged before.
 */
export async function openSqlite(file: string, options: SqliteOptions = {}): Promise<Store> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const database = new SQLite(file);
  // The books are for Tally's user alone; SQLite gives the -wal and -shm files the same mode.
  if (file !== ':memory:') chmodSync(file, 0o600);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  const observers = new BalanceObservers();
  const durability = new WriteDurability();
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(cachingStatements(database), durability) });
  await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  const statements = new SqliteStatements(database);
  const wal = file !== ':memory:' && (options.synchronous ?? 'full') === 'full' ? await WalFile.open(file) : null;
  const syncs = wal && new SyncPipeline(() => wal.sync());
  if (syncs) durability.attach(() => syncs.synced());
  const group = new GroupCommit(db, syncs && durability);
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
    close: async () => {
      await db.destroy();
      await syncs?.idle();
      await wal?.close();
    },
  } satisfies Store;
}

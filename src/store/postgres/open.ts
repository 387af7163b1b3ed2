import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { BalanceObservers } from '../balance-observers.ts';
import { KyselyLedgerTx } from '../ledger-queries.ts';
import { migrateToLatest } from '../migrations/index.ts';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { DatabaseClock } from './database-clock.ts';
import { openReadReplica, replicaOn } from './read-replica.ts';
import { type PostgresParts, pipelinedSnapshot, pipelinedTransaction } from './transactions.ts';

// Amounts and times are bigint columns holding values well inside 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export interface PostgresOptions {
  poolSize?: number;
  /** Each test file gets its own schema so files can run side by side on one database. */
  schema?: string;
  /** TALLY_DATABASE_READ_URL: a replica of `url` for the reads `Store.replica` serves; unset, they go to `url`. */
  readUrl?: string | null;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    // Statements go out without waiting for the answers before them (src/store/postgres/pipeline.ts).
    pipeline: true,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // A dropped connection (database restart) surfaces on the next query; an idle client's error must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one's: a connection that breaks between two queries of a transaction emits
  // 'error' on its client, which would kill the process unheard. Its next query fails instead (a 503),
  // and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  if (options.schema) {
    const client = await pool.connect();
    try {
      await client.query(`create schema if not exists "${options.schema}"`);
    } finally {
      client.release();
    }
  }
  const readReplica = options.readUrl ? await openReadReplica(options.readUrl, options) : null;
  const observers = new BalanceObservers();
  const dialect = new PostgresDialect({ pool });
  const db = new Kysely<Database>({ dialect });
  await migrateToLatest(db as Kysely<unknown>, 'postgres', options.schema);
  const clock = await DatabaseClock.open(db as Kysely<unknown>);
  const parts: PostgresParts = {
    pool,
    db,
    dialect,
    driver: dialect.createDriver(),
    observers,
    cards: { current: null },
  };
  return {
    dialect: 'postgres',
    db,
    transaction: (fn) => pipelinedTransaction(parts, fn),
    reader: () => new KyselyLedgerTx(db),
    snapshot: (fn) => pipelinedSnapshot(parts, fn),
    now: clock.now,
    observeBalances: (name, observer) => observers.set(name, observer),
    replica: readReplica ?? replicaOn(db),
    close: async () => {
      await Promise.all([db.destroy(), readReplica?.db.destroy()]);
    },
  };
}

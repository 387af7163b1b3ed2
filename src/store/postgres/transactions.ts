import type { Dialect, Driver, Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { BalanceObservers } from '../balance-observers.ts';
import { KyselyLedgerTx } from '../ledger-queries.ts';
import type { Database } from '../schema.ts';
import type { LedgerReader, LedgerTx } from '../store.ts';
import { Pipeline } from './pipeline.ts';
import { PostgresLedgerTx, type RateCardCache } from './postgres-ledger-tx.ts';

/** What every transaction of one store shares: its pool, its query builder, its observers. */
export interface PostgresParts {
  pool: pg.Pool;
  db: Kysely<Database>;
  dialect: Dialect;
  driver: Driver;
  observers: BalanceObservers;
  cards: RateCardCache;
}

const ignore = () => {};

/**
 * Runs `fn` in one pipelined transaction: BEGIN goes out with `fn`'s first statements (the account
 * lock and reads), and its held-back writes with COMMIT, so a ledger operation is two round trips.
 * Settles only once COMMIT has answered COMMIT; when any statement failed, the transaction rolled
 * back and the caller gets the first statement's error, never a later 25P02 or a false success.
 */
export async function pipelinedTransaction<T>(
  parts: PostgresParts,
  fn: (tx: LedgerTx, db: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const client = await parts.pool.connect();
  const pipe = new Pipeline(client);
  const trx = pipe.kysely(parts);
  const tx = new PostgresLedgerTx(pipe, trx, parts.observers, parts.cards);
  pipe.sendNow({ text: 'begin' }).catch(ignore);
  try {
    let result: T;
    try {
      result = await fn(tx, trx);
    } catch (error) {
      pipe.beforeEach = null;
      pipe.sendNow({ text: 'rollback' }).catch(ignore);
      await pipe.settled();
      throw pipe.firstError(error);
    }
    tx.applyWrites();
    const commit = pipe.sendNow({ text: 'commit' });
    commit.catch(ignore);
    await pipe.settled();
    if (pipe.failed) throw pipe.firstError(null);
    if ((await commit).command !== 'COMMIT') throw new Error('PostgreSQL rolled the transaction back at COMMIT');
    tx.committed();
    return result;
  } finally {
    client.release();
  }
}

/**
 * Runs `fn`'s reads in one REPEATABLE READ READ ONLY transaction whose BEGIN goes out with them:
 * reads `fn` starts together are one round trip with it. The COMMIT of a read-only transaction
 * changes nothing that was read, so its answer is not waited for; the connection goes back to the
 * pool once it arrives.
 */
export async function pipelinedSnapshot<T>(
  parts: PostgresParts,
  fn: (reader: LedgerReader, db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const client = await parts.pool.connect();
  const pipe = new Pipeline(client);
  const trx = pipe.kysely(parts);
  pipe.sendNow({ text: 'begin isolation level repeatable read read only' }).catch(ignore);
  let result: T;
  try {
    result = await fn(new KyselyLedgerTx(trx), trx);
  } catch (error) {
    pipe.sendNow({ text: 'rollback' }).catch(ignore);
    await pipe.settled();
    client.release();
    throw pipe.firstError(error);
  }
  pipe.sendNow({ text: 'commit' }).then(
    () => client.release(),
    (error: Error) => client.release(error),
  );
  return result;
}

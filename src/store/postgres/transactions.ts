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

/** A pooled connection whose BEGIN (`begin` says which) is sent: what follows goes out with it. */
async function begun(parts: PostgresParts, begin: string) {
  const client = await parts.pool.connect();
  const pipe = new Pipeline(client);
  pipe.sendNow({ text: begin }).catch(ignore);
  return { client, pipe, trx: pipe.kysely(parts) };
}

/** Rolls back after `error` and answers what to throw: the first statement's error, if one failed. */
async function rolledBack(pipe: Pipeline, error: unknown): Promise<unknown> {
  pipe.sendNow({ text: 'rollback' }).catch(ignore);
  await pipe.settled();
  return pipe.firstError(error);
}

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
  const { client, pipe, trx } = await begun(parts, 'begin');
  const tx = new PostgresLedgerTx(pipe, trx, parts.observers, parts.cards);
  try {
    let result: T;
    try {
      result = await fn(tx, trx);
    } catch (error) {
      pipe.beforeEach = null;
      throw await rolledBack(pipe, error);
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
  const { client, pipe, trx } = await begun(parts, 'begin isolation level repeatable read read only');
  let result: T;
  try {
    result = await fn(new KyselyLedgerTx(trx), trx);
  } catch (error) {
    const failure = await rolledBack(pipe, error);
    client.release();
    throw failure;
  }
  pipe.sendNow({ text: 'commit' }).then(
    () => client.release(),
    (error: Error) => client.release(error),
  );
  return result;
}

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';
import type { ReadReplica } from '../store.ts';
import type { PostgresOptions } from './open.ts';

/**
 * Reads on `db` as a ReadReplica: a snapshot is one REPEATABLE READ READ ONLY transaction, which a
 * hot standby allows, so a page's queries see one replayed state.
 */
export function replicaOn(db: Kysely<Database>): ReadReplica {
  return {
    db,
    snapshot: (fn) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => fn(trx)),
  };
}

/**
 * A pool of its own on the replica TALLY_DATABASE_READ_URL names, with the primary's pool size and
 * schema. It is asked one query at start, so a wrong URL stops Tally there rather than at the first
 * dashboard read. Migrations never run on it: the replica replays the primary's.
 */
export async function openReadReplica(url: string, options: PostgresOptions): Promise<ReadReplica> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // As on the primary's pool: a broken connection fails its next query, never the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new Error(`TALLY_DATABASE_READ_URL does not answer: ${(error as Error).message}`);
  }
  return replicaOn(db);
}

import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Latency, round, timeCalls } from './stats.ts';

/** The storage floor: the raw store, with Tally's durability settings, doing the least a charge must do. */
export interface RawStore {
  /** Writes `rows` response rows in one transaction (one row: a single autocommitted INSERT). */
  write(worker: number, rows: number): Promise<void>;
  /** One primary-key read of a row. */
  read(): Promise<void>;
  /** Writers that may run at once: 1 for SQLite (one writer at a time), Tally's pool size for PostgreSQL. */
  writers: number;
  close(): Promise<void>;
}

const TABLE = `create table floor_responses (
  workspace_id text not null, id text not null, cost bigint not null, occurred_at bigint not null,
  primary key (workspace_id, id))`;

let nextId = 0;
const rowId = () => `r${nextId++}`;

export function rawSqlite(dir: string): RawStore {
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(TABLE);
  const insert = db.prepare('insert into floor_responses values (?, ?, ?, ?)');
  const select = db.prepare('select * from floor_responses where workspace_id = ? and id = ?');
  const many = db.transaction((rows: number) => {
    for (let n = 0; n < rows; n++) insert.run('ws', rowId(), 1000, Date.now());
  });
  return {
    writers: 1,
    write: async (_worker, rows) => {
      if (rows === 1) insert.run('ws', rowId(), 1000, Date.now());
      else many(rows);
    },
    read: async () => {
      select.get('ws', 'r0');
    },
    close: async () => {
      db.close();
    },
  };
}

/** Tally's PostgreSQL pool holds 10 connections; the floor writes on as many. */
export async function rawPostgres(url: string, writers = 10): Promise<RawStore> {
  const clients = await Promise.all(
    Array.from({ length: writers }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const first = clients[0];
  if (!first) throw new Error('no connection');
  await first.query('drop table if exists floor_responses');
  await first.query(TABLE);
  const insert = 'insert into floor_responses values ($1, $2, $3, $4)';
  return {
    writers,
    write: async (worker, rows) => {
      const client = clients[worker] ?? first;
      if (rows === 1) {
        await client.query({ name: 'floor-insert', text: insert, values: ['ws', rowId(), 1000, Date.now()] });
        return;
      }
      await client.query('begin');
      for (let n = 0; n < rows; n++) {
        await client.query({ name: 'floor-insert', text: insert, values: ['ws', rowId(), 1000, Date.now()] });
      }
      await client.query('commit');
    },
    read: async () => {
      await first.query({
        name: 'floor-select',
        text: 'select * from floor_responses where workspace_id = $1 and id = $2',
        values: ['ws', 'r0'],
      });
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.end()));
    },
  };
}

/** Rows durably written per second, by every writer the store allows, for `seconds`. */
export async function writeFloor(store: RawStore, seconds: number, rowsPerTransaction: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let rows = 0;
  await Promise.all(
    Array.from({ length: store.writers }, async (_, worker) => {
      while (performance.now() < until) {
        await store.write(worker, rowsPerTransaction);
        rows += rowsPerTransaction;
      }
    }),
  );
  return round(rows / seconds, 1);
}

export function readFloor(store: RawStore, samples: number): Promise<Latency> {
  return timeCalls(samples, () => store.read());
}

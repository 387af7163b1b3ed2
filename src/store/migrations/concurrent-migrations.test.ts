import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withSchemaLock } from '../../../test/support/schema-lock.ts';
import { TEST_DATABASE_URL } from '../../../test/support/stores.ts';
import { openPostgres } from '../postgres/open.ts';
import type { Store } from '../store.ts';

const schema = `test_${randomBytes(6).toString('hex')}`;
const stores: Store[] = [];

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await withSchemaLock(TEST_DATABASE_URL, 'exclusive', () => query(`drop schema if exists "${schema}" cascade`));
});

describe('migrating one PostgreSQL database from several processes at once', () => {
  it('applies each migration once and leaves no migration lock held by any connection', async () => {
    await query(`create schema "${schema}"`);
    stores.push(
      ...(await withSchemaLock(TEST_DATABASE_URL, 'shared', () =>
        Promise.all(Array.from({ length: 4 }, () => openPostgres(TEST_DATABASE_URL, { schema, poolSize: 2 }))),
      )),
    );

    const applied = await query<{ name: string }>(`select name from "${schema}".kysely_migration`);
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied.map((row) => row.name)).size).toBe(applied.length);
    // A session-level lock left on an idle connection (Kysely's own, released on another server connection
    // behind a transaction pooler) would make every later start wait; the run's lock ends with its
    // transaction. Other test files may be migrating right now: their locks sit in open transactions.
    const held = await query(
      `select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and l.objsubid = 1 and a.state = 'idle'
         and ((l.classid::bigint << 32) | l.objid::bigint) = 3853314791062309107`,
    );
    expect(held).toEqual([]);
  });
});

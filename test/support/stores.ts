import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { openPostgres } from '../../src/store/postgres/open.ts';
import { openSqlite } from '../../src/store/sqlite/open.ts';
import type { Store } from '../../src/store/store.ts';
import { withSchemaLock } from './schema-lock.ts';

/** The PostgreSQL server of this run: yours, or the one test/global-setup.ts started for it. */
export const TEST_DATABASE_URL = testDatabaseUrl();

function testDatabaseUrl(): string {
  const url = process.env.TALLY_TEST_DATABASE_URL;
  if (!url)
    throw new Error('TALLY_TEST_DATABASE_URL is unset: run the tests through vitest, whose global setup provides it');
  return url;
}

export interface StoreFactory {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store; `location` is what another process needs to open the same store. */
  create(): Promise<{ store: Store; location: StoreLocation }>;
}

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };

const cleanups: Array<() => Promise<void>> = [];

export const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'tally-test-'));
    const file = join(dir, 'tally.db');
    const store = await openSqlite(file);
    cleanups.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { store, location: { kind: 'sqlite', file } };
  },
};

export const postgresFactory: StoreFactory = {
  name: 'postgres',
  async create() {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const store = await withSchemaLock(TEST_DATABASE_URL, 'shared', () =>
      openPostgres(TEST_DATABASE_URL, { schema, poolSize: 5 }),
    );
    cleanups.push(async () => {
      await store.close();
      await withSchemaLock(TEST_DATABASE_URL, 'exclusive', async () => {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      });
    });
    return { store, location: { kind: 'postgres', url: TEST_DATABASE_URL, schema } };
  },
};

export const STORE_FACTORIES = [sqliteFactory, postgresFactory];

export async function openStoreAt(location: StoreLocation): Promise<Store> {
  return location.kind === 'sqlite'
    ? openSqlite(location.file)
    : withSchemaLock(location.url, 'shared', () =>
        openPostgres(location.url, { schema: location.schema, poolSize: 5 }),
      );
}

async function runCleanups() {
  for (const cleanup of cleanups.splice(0)) await cleanup();
}

type StoreContext = { store: Store; location: StoreLocation; kind: 'sqlite' | 'postgres' };

/**
 * Runs the same cases against a fresh SQLite file and a fresh PostgreSQL schema for each test.
 * `ctx.store` is replaced before every test.
 */
export function describeStores(title: string, body: (ctx: StoreContext) => void) {
  for (const factory of STORE_FACTORIES) describeStore(factory, title, body);
}

/** As describeStores, on one store only: for what only one of them has (PostgreSQL's catalog). */
export function describeStore(factory: StoreFactory, title: string, body: (ctx: StoreContext) => void) {
  describe(`${title} [${factory.name}]`, () => {
    const ctx = { kind: factory.name } as StoreContext;
    beforeEach(async () => {
      const created = await factory.create();
      ctx.store = created.store;
      ctx.location = created.location;
    });
    afterEach(runCleanups);
    afterAll(runCleanups);
    body(ctx);
  });
}

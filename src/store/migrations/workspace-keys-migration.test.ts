import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { withSchemaLock } from '../../../test/support/schema-lock.ts';
import { openStoreAt, type StoreLocation, TEST_DATABASE_URL } from '../../../test/support/stores.ts';
import type { Dialect } from '../store.ts';
import { migrateTo } from './index.ts';

interface Before016 {
  db: Kysely<unknown>;
  location: StoreLocation;
  drop(): Promise<void>;
}

/** A database migrated up to 015 only, as a deployment from before this release has it. */
const AT_015: Record<Dialect, () => Promise<Before016>> = {
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'tally-016-'));
    const file = join(dir, 'tally.db');
    const database = new SQLite(file);
    database.pragma('foreign_keys = ON');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    await migrateTo(db, 'sqlite', '015-local-day-rollups');
    return { db, location: { kind: 'sqlite', file }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  async postgres() {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
    await pool.query(`create schema "${schema}"`);
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    await withSchemaLock(TEST_DATABASE_URL, 'shared', () => migrateTo(db, 'postgres', '015-local-day-rollups', schema));
    const drop = () =>
      withSchemaLock(TEST_DATABASE_URL, 'exclusive', async () => {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      });
    return { db, location: { kind: 'postgres', url: TEST_DATABASE_URL, schema }, drop };
  },
};

/** One row in every table whose keys 016 changes, as the code before it wrote them. */
async function writeRowsBefore016(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`insert into workspaces (id, name, plan, overage_limit, overage_debt, period_anchor, created_at)
        values ('ws_a', 'A', 'starter', 0, 0, 0, 1)`,
    sql`insert into ledger_lines (workspace_id, at, kind, amount, grant_id, response_id, reason, balance_after)
        values ('ws_a', 1, 'grant', 5000, 'grt_1', null, 'welcome', 5000), ('ws_a', 2, 'charge', -200, 'grt_1', 'rsp_1', 'response', 4800)`,
    sql`insert into users (id, workspace_id, email, password_hash, created_at)
        values ('usr_1', 'ws_a', 'ann@example.com', 'scrypt$x', 1)`,
    sql`insert into sessions (id, user_id, workspace_id, csrf_token, created_at, last_seen_at, expires_at, role, return_url)
        values ('hash_1', 'usr_1', 'ws_a', 'csrf', 1, 1, 99, 'admin', null)`,
    sql`insert into webhook_subscriptions (id, url, events, description, secret, idempotency_key, fingerprint, created_at)
        values ('whs_1', 'https://example.com/hook', 'credits.low', '', 'secret', null, 'fp', 1)`,
    sql`insert into webhook_events (id, workspace_id, type, data, dedupe_key, created_at)
        values ('evt_1', 'ws_a', 'credits.low', '{}', 'low-1', 1)`,
    sql`insert into webhook_deliveries (id, event_id, event_seq, subscription_id, workspace_id, status, attempts, next_attempt_at, created_at)
        values ('whd_1', 'evt_1', 1, 'whs_1', 'ws_a', 'failed', 1, 5, 1)`,
    sql`insert into webhook_attempts (delivery_id, attempt, at, status_code, error, response_excerpt, duration_ms)
        values ('whd_1', 1, 2, 500, null, 'oops', 12)`,
    sql`insert into email_deliveries (workspace_id, id, event_id, event_seq, user_id, status, attempts, next_attempt_at, created_at)
        values ('ws_a', 'eml_1', 'evt_1', 1, 'usr_1', 'pending', 0, 1, 1)`,
    sql`insert into auto_top_up_attempts (id, workspace_id, crossing, pack_id, pack_name, credits, validity_months,
          amount, currency, status, payment_provider, created_at, updated_at)
        values ('atu_1', 'ws_a', 1, 'pack_s', 'Small', 10000, 12, 900, 'usd', 'succeeded', 'manual', 1, 1)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

describe('migration 016: keys that start with the workspace', () => {
  const drops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const drop of drops.splice(0).reverse()) await drop();
  });

  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`carries every row over, and the outbox keeps numbering after them [${dialect}]`, async () => {
      const before = await AT_015[dialect]();
      drops.push(before.drop);
      await writeRowsBefore016(before.db);
      await before.db.destroy();

      const store = await openStoreAt(before.location);
      drops.push(() => store.close());
      const db = store.db;

      expect(
        await db.selectFrom('ledger_lines').select(['workspace_id', 'seq', 'amount']).orderBy('seq').execute(),
      ).toEqual([
        { workspace_id: 'ws_a', seq: 1, amount: 5000 },
        { workspace_id: 'ws_a', seq: 2, amount: -200 },
      ]);
      expect(await db.selectFrom('users').select(['id', 'workspace_id', 'email']).execute()).toEqual([
        { id: 'usr_1', workspace_id: 'ws_a', email: 'ann@example.com' },
      ]);
      expect(await db.selectFrom('sessions').select(['workspace_id', 'id', 'user_id', 'role']).execute()).toEqual([
        { workspace_id: 'ws_a', id: 'hash_1', user_id: 'usr_1', role: 'admin' },
      ]);
      expect(
        await db.selectFrom('webhook_events').select(['workspace_id', 'id', 'seq', 'dedupe_key']).execute(),
      ).toEqual([{ workspace_id: 'ws_a', id: 'evt_1', seq: 1, dedupe_key: 'low-1' }]);
      expect(
        await db.selectFrom('webhook_deliveries').select(['workspace_id', 'id', 'event_id', 'status']).execute(),
      ).toEqual([{ workspace_id: 'ws_a', id: 'whd_1', event_id: 'evt_1', status: 'failed' }]);
      // The attempt learns its workspace from its delivery.
      expect(
        await db.selectFrom('webhook_attempts').select(['workspace_id', 'delivery_id', 'status_code']).execute(),
      ).toEqual([{ workspace_id: 'ws_a', delivery_id: 'whd_1', status_code: 500 }]);
      expect(await db.selectFrom('email_deliveries').select(['workspace_id', 'id', 'event_id']).execute()).toEqual([
        { workspace_id: 'ws_a', id: 'eml_1', event_id: 'evt_1' },
      ]);
      expect(await db.selectFrom('auto_top_up_attempts').select(['workspace_id', 'id', 'status']).execute()).toEqual([
        { workspace_id: 'ws_a', id: 'atu_1', status: 'succeeded' },
      ]);

      const next = await db
        .insertInto('webhook_events')
        .values({ id: 'evt_2', workspace_id: 'ws_a', type: 'credits.low', data: '{}', dedupe_key: null, created_at: 3 })
        .returning('seq')
        .executeTakeFirstOrThrow();
      expect(next.seq).toBeGreaterThan(1);
      // A delivery still needs its event, now found by (workspace, event id).
      await expect(
        db
          .insertInto('webhook_deliveries')
          .values({
            id: 'whd_2',
            event_id: 'evt_1',
            event_seq: 1,
            subscription_id: 'whs_1',
            workspace_id: 'ws_other',
            status: 'pending',
            attempts: 0,
            next_attempt_at: 1,
            lease_token: null,
            last_attempt_at: null,
            last_status_code: null,
            last_error: null,
            delivered_at: null,
            created_at: 1,
          })
          .execute(),
      ).rejects.toThrow(/foreign key/i);
    });
  }
});

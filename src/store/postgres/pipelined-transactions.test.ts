import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.ts';
import { contextAt } from '../../../test/support/context.ts';
import { workspaceWithCredits } from '../../../test/support/ledger.ts';
import { type RoundTripProxy, startRoundTripProxy } from '../../../test/support/round-trip-proxy.ts';
import { withSchemaLock } from '../../../test/support/schema-lock.ts';
import { TEST_DATABASE_URL } from '../../../test/support/stores.ts';
import { AccountState } from '../../ledger/account-state.ts';
import { getBalance } from '../../ledger/balance.ts';
import { chargeBatch, chargeResponse, chargeWithState, type ResponseInput } from '../../ledger/charge-response.ts';
import { checkCredits } from '../../ledger/check-credits.ts';
import { reserveCredits } from '../../ledger/reservations.ts';
import type { Store } from '../store.ts';
import { openPostgres } from './open.ts';

const chat = (workspaceId: string, id: string, conversationId = 'conv-1'): ResponseInput => ({
  workspaceId,
  id,
  conversationId,
  channel: 'chat',
  agentId: 'agent-1',
});

describe('a ledger transaction on PostgreSQL', () => {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  let proxy: RoundTripProxy;
  let store: Store;
  /** Reads the observers load, as src/alerts' observers do, seen by the database in the transaction. */
  let loads = 0;

  beforeAll(async () => {
    proxy = await startRoundTripProxy(TEST_DATABASE_URL);
    store = await withSchemaLock(TEST_DATABASE_URL, 'shared', () => openPostgres(proxy.url, { schema, poolSize: 1 }));
    store.observeBalances('probe', {
      load: async (db, workspaceId) => {
        loads++;
        return db.selectFrom('workspaces').select('overage_debt').where('id', '=', workspaceId).executeTakeFirst();
      },
      decide: async () => {},
    });
  });

  afterAll(async () => {
    await store.close();
    await proxy.close();
    await withSchemaLock(TEST_DATABASE_URL, 'exclusive', async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });
  });

  /** Round trips `work` took on the wire, on a pool of one warm connection. */
  async function roundTripsOf(work: () => Promise<unknown>): Promise<number> {
    proxy.reset();
    await work();
    return proxy.roundTrips;
  }

  it('charges a response in two round trips, the observers reading in the first', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(store, 100, clock.now());
    await chargeResponse({ ctx: contextAt(store, clock.now()), input: chat(ws, 'warm') });
    const loadsBefore = loads;
    expect(
      await roundTripsOf(() => chargeResponse({ ctx: contextAt(store, clock.now()), input: chat(ws, 'r1', 'conv-2') })),
    ).toBe(2);
    expect(loads).toBe(loadsBefore + 1);
    expect(
      await roundTripsOf(() => chargeResponse({ ctx: contextAt(store, clock.now()), input: chat(ws, 'r1', 'conv-2') })),
    ).toBe(2);
  });

  it('charges a batch of many responses in two round trips', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(store, 1000, clock.now());
    const inputs = Array.from({ length: 200 }, (_, n) => chat(ws, `b${n}`, `conv-${n % 7}`));
    let results: Awaited<ReturnType<typeof chargeBatch>> = [];
    expect(
      await roundTripsOf(async () => {
        results = await chargeBatch({
          ctx: contextAt(store, clock.now()),
          input: { workspaceId: ws, responses: inputs },
        });
      }),
    ).toBe(2);
    expect(results.every((result) => result.ok)).toBe(true);
    expect((await getBalance({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      800_000,
    );
  });

  it('commits a reservation in the charge that names it, in two round trips', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(store, 10, clock.now());
    const { hold } = await reserveCredits({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws, count: 2 } });
    const charge = { ...chat(ws, 'with-hold'), reservationId: hold.id };
    expect(await roundTripsOf(() => chargeResponse({ ctx: contextAt(store, clock.now()), input: charge }))).toBe(2);
    expect((await getBalance({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws } })).held).toBe(0);
  });

  it('answers a check from one snapshot whose reads go out together with its BEGIN', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(store, 10, clock.now());
    await checkCredits({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws } });
    const commitAnswered = () => new Promise((resolve) => setTimeout(resolve, 50));
    await commitAnswered();
    let answer: Awaited<ReturnType<typeof checkCredits>> | null = null;
    const trips = await roundTripsOf(async () => {
      answer = await checkCredits({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws } });
      // The COMMIT goes out once the reads are answered; the caller does not wait for it.
      await commitAnswered();
    });
    expect(answer).toMatchObject({ allowed: true, available: 10_000 });
    expect(trips).toBe(2);
  });

  it('acknowledges no charge whose writes the database refuses, and reports the first error', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(store, 10, clock.now());
    store.observeBalances('probe-after', {
      load: async () => undefined,
      // A statement sent behind the failed writes: it fails with 25P02, which must not be what the caller sees.
      decide: async (_change, _loaded, db) => {
        await db.selectFrom('workspaces').select('id').execute();
      },
    });
    const outside = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    await outside.connect();
    try {
      const charged = store.transaction(async (tx, db) => {
        const state = await AccountState.open(tx, ws, clock.now(), { responseIds: ['lost'], conversationIds: ['c'] });
        // The grant changes behind the account lock's back: the conditional move must refuse.
        await outside.query(`update grants set remaining = 0 where workspace_id = $1`, [ws]);
        const result = await chargeWithState({
          ctx: { tx, db, now: clock.now(), state },
          input: chat(ws, 'lost', 'c'),
        });
        await state.flush();
        return result;
      });
      await expect(charged).rejects.toThrow(/grant moves stayed within/);
      const written = await outside.query(
        `select (select count(*) from responses where id = 'lost') as responses,
                (select count(*) from conversations where id = 'c') as conversations,
                (select count(*) from ledger_lines where response_id = 'lost') as lines`,
      );
      expect(written.rows[0]).toEqual({ responses: 0, conversations: 0, lines: 0 });
    } finally {
      store.observeBalances('probe-after', { load: async () => undefined, decide: async () => {} });
      await outside.end();
    }
  });
});

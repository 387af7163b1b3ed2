import { expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { workspaceWithCredits } from '../../test/support/ledger.ts';
import { describeStores } from '../../test/support/stores.ts';
import { TallyError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import { getBalance } from './balance.ts';
import { ChargeCoalescer } from './charge-coalescer.ts';
import type { ChargeResult } from './charge-response.ts';
import { getStatement } from './statement.ts';
import { verifyLedger } from './verify-ledger.ts';

const chat = (workspaceId: string, id: string, conversationId = `conv-${id}`) =>
  ({ workspaceId, id, conversationId, channel: 'chat', agentId: 'agent-1' }) as const;

/** The store, counting the transactions it is asked for; `failNext` makes the next one fail before it starts. */
function counting(store: Store) {
  const counted = Object.create(store) as Store & { transactions: number; failNext: boolean };
  counted.transactions = 0;
  counted.failNext = false;
  counted.transaction = (fn) => {
    counted.transactions += 1;
    if (counted.failNext) {
      counted.failNext = false;
      return Promise.reject(new Error('the database went away'));
    }
    return store.transaction(fn);
  };
  return counted;
}

const outcome = (settled: PromiseSettledResult<ChargeResult>) =>
  settled.status === 'fulfilled'
    ? settled.value.replayed
      ? 'replayed'
      : 'charged'
    : settled.reason instanceof TallyError
      ? settled.reason.code
      : String(settled.reason);

describeStores('coalescing concurrent charges of a workspace', (ctx) => {
  const workspaceWith = (credits: number, clock: TestClock) => workspaceWithCredits(ctx.store, credits, clock.now());

  it('answers a burst exactly as one charge after another would, in far fewer transactions', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(30, clock);
    const store = counting(ctx.store);
    const charges = new ChargeCoalescer({ ctx: { store, clock: clock.now } });

    const ids = Array.from({ length: 50 }, (_, i) => `r${i}`);
    // Every id twice in the same burst, and ten conversations shared by five responses each.
    const burst = [...ids, ...ids].map((id) => charges.charge(chat(ws, id, `conv-${Number(id.slice(1)) % 10}`)));
    const settled = await Promise.allSettled(burst);

    const first = settled.slice(0, 50).map(outcome);
    const retries = settled.slice(50).map(outcome);
    expect(first.slice(0, 30)).toEqual(Array(30).fill('charged'));
    expect(first.slice(30)).toEqual(Array(20).fill('insufficient_credits'));
    expect(retries.slice(0, 30)).toEqual(Array(30).fill('replayed'));
    expect(retries.slice(30)).toEqual(Array(20).fill('insufficient_credits'));
    // Paid in arrival order: each charge saw what the ones before it left.
    const available = settled
      .slice(0, 30)
      .map((result) => (result.status === 'fulfilled' ? result.value.available : Number.NaN));
    expect(available).toEqual(Array.from({ length: 30 }, (_, i) => (29 - i) * 1000));
    // The first charge went alone; the other 99 waited for it and went together.
    expect(store.transactions).toBe(2);

    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      0,
    );
    const conversations = await ctx.store.db
      .selectFrom('conversations')
      .select('id')
      .where('workspace_id', '=', ws)
      .execute();
    expect(conversations).toHaveLength(10);
    const statement = await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } });
    expect(statement.lines.filter((line) => line.kind === 'charge')).toHaveLength(30);
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('fails every charge of a transaction that fails, records none of them, and goes on with the next', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    const store = counting(ctx.store);
    const charges = new ChargeCoalescer({ ctx: { store, clock: clock.now } });

    const alone = charges.charge(chat(ws, 'a'));
    store.failNext = true;
    const [first, second] = [charges.charge(chat(ws, 'b')), charges.charge(chat(ws, 'c'))];
    expect(await alone).toMatchObject({ replayed: false });
    expect((await Promise.allSettled([first, second])).map(outcome)).toEqual([
      'Error: the database went away',
      'Error: the database went away',
    ]);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      9000,
    );

    // Retried, they are charged once each.
    expect(await Promise.all([charges.charge(chat(ws, 'b')), charges.charge(chat(ws, 'c'))])).toMatchObject([
      { replayed: false },
      { replayed: false },
    ]);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      7000,
    );
  });

  it('refuses bad input at once, and never makes one workspace wait for another', async () => {
    const clock = new TestClock();
    const [one, two] = [await workspaceWith(5, clock), await workspaceWith(5, clock)];
    const store = counting(ctx.store);
    const charges = new ChargeCoalescer({ ctx: { store, clock: clock.now } });

    await expect(charges.charge({ ...chat(one, 'bad'), channel: 'fax' as 'chat' })).rejects.toBeInstanceOf(TallyError);
    expect(store.transactions).toBe(0);
    const both = await Promise.all([charges.charge(chat(one, 'x')), charges.charge(chat(two, 'x'))]);
    expect(both.map((result) => result.available)).toEqual([4000, 4000]);
    // One transaction each: a charge never joins, or waits for, another workspace's transaction.
    expect(store.transactions).toBe(2);
    expect((await Promise.allSettled([charges.charge(chat('ws_missing', 'y'))])).map(outcome)).toEqual(['not_found']);
  });
});

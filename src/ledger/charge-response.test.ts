import { describe, expect, it } from 'vitest';
import { DAY, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { workspaceWithCredits } from '../../test/support/ledger.ts';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores } from '../../test/support/stores.ts';
import { getBalance } from './balance.ts';
import { chargeBatch, chargeResponse, type ResponseInput } from './charge-response.ts';
import { grantCredits } from './grant-credits.ts';
import { getStatement } from './statement.ts';
import { verifyLedger } from './verify-ledger.ts';

const chat = (id: string, extra: Partial<ResponseInput> = {}): Omit<ResponseInput, 'workspaceId'> => ({
  id,
  conversationId: 'conv-1',
  channel: 'chat',
  agentId: 'agent-1',
  ...extra,
});

describeStores('charging a response', (ctx) => {
  const workspaceWith = (credits: number, clock: TestClock, overageLimit = 0) =>
    workspaceWithCredits(ctx.store, credits, clock.now(), { overageLimit });

  it('takes one credit per response and reports what is left', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    const result = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ...chat('r1') },
    });
    expect(result).toEqual({ id: 'r1', cost: 1000, available: 9000, replayed: false });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      9000,
    );
  });

  it('charges a retried id once and answers the retry with the first result', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    const first = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ...chat('r1') },
    });
    const again = await chargeResponse({
      ctx: contextAt(ctx.store, clock.advance(1000)),
      input: { workspaceId: ws, ...chat('r1') },
    });
    expect(again).toEqual({ ...first, replayed: true });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      9000,
    );
    const statement = await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } });
    expect(statement.lines.filter((l) => l.kind === 'charge')).toHaveLength(1);
  });

  it('refuses a reused id with a different body as an idempotency conflict', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat('r1') } });
    const error = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, ...chat('r1', { agentId: 'agent-2' }) },
      }),
    );
    expect(error.code).toBe('idempotency_conflict');
  });

  it('prices a premium voice at 1.5 credits from the rate card', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    const result = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: {
        workspaceId: ws,
        ...chat('r1', { channel: 'call', conversationId: 'call-1', features: ['voice:elevenlabs'] }),
      },
    });
    expect(result.cost).toBe(1500);
    expect(result.available).toBe(8500);
  });

  it('refuses an unknown feature instead of pricing it as free, and writes nothing', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    const error = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, ...chat('r1', { features: ['voice:unknown'] }) },
      }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.details).toMatchObject({ field: 'features' });
    expect(await ctx.store.reader().findResponse(ws, 'r1')).toBeNull();
  });

  it('blocks a response it cannot pay for and writes nothing at all', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat('r1') } });
    const error = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, ...chat('r2', { conversationId: 'conv-2' }) },
      }),
    );
    expect(error.code).toBe('insufficient_credits');
    expect(await ctx.store.reader().findResponse(ws, 'r2')).toBeNull();
    expect(await ctx.store.reader().findConversation(ws, 'conv-2')).toBeNull();
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('lets an overage rule go below zero up to its limit, then blocks', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock, 2000);
    for (const id of ['r1', 'r2', 'r3'])
      await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat(id) } });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      -2000,
    );
    const error = await refusal(
      chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat('r4') } }),
    );
    expect(error.code).toBe('insufficient_credits');
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'top-up', amount: 5000, source: 'purchase', reason: 'pack' },
    });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      3000,
    );
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('spends the grant that expires soonest first', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(0, clock);
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'keeps', amount: 5000, source: 'purchase', reason: 'pack' },
    });
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: {
        workspaceId: ws,
        id: 'soon',
        amount: 2000,
        source: 'subscription',
        reason: 'period',
        expiresAt: new Date(clock.now().getTime() + 3 * DAY),
      },
    });
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat('r1') } });
    const grants = (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).grants;
    expect(grants.find((g) => g.id === 'soon')?.remaining).toBe(1000);
    expect(grants.find((g) => g.id === 'keeps')?.remaining).toBe(5000);
  });

  it('stops counting a grant at the instant it expires and records the expiry', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(0, clock);
    const expiresAt = new Date(clock.now().getTime() + DAY);
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'g', amount: 3000, source: 'promotion', reason: 'trial', expiresAt },
    });
    expect(
      (await getBalance({ ctx: contextAt(ctx.store, new Date(expiresAt.getTime() - 1)), input: { workspaceId: ws } }))
        .available,
    ).toBe(3000);
    expect((await getBalance({ ctx: contextAt(ctx.store, expiresAt), input: { workspaceId: ws } })).available).toBe(0);
    const error = await refusal(
      chargeResponse({ ctx: contextAt(ctx.store, expiresAt), input: { workspaceId: ws, ...chat('r1') } }),
    );
    expect(error.code).toBe('insufficient_credits');
    await grantCredits({
      ctx: contextAt(ctx.store, expiresAt),
      input: { workspaceId: ws, id: 'g2', amount: 1000, source: 'purchase', reason: 'pack' },
    });
    const kinds = (await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } })).lines.map((l) => [
      l.kind,
      l.amount,
      l.balanceAfter,
    ]);
    expect(kinds).toEqual([
      ['grant', 3000, 3000],
      ['expire', -3000, 0],
      ['grant', 1000, 1000],
    ]);
  });

  it('counts a conversation once however many responses it has', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat('r1') } });
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ...chat('r2') } });
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ...chat('r3', { channel: 'call', conversationId: 'call-1' }) },
    });
    const rollups = await ctx.store.db
      .selectFrom('daily_rollups')
      .selectAll()
      .where('workspace_id', '=', ws)
      .orderBy('channel')
      .execute();
    expect(
      rollups.map((r) => [r.channel, Number(r.conversations), Number(r.responses), Number(r.credits_used)]),
    ).toEqual([
      ['call', 1, 1, 1000],
      ['chat', 1, 2, 2000],
    ]);
  });

  it('charges each batch item on its own: refused items write nothing and the rest go through', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(2, clock);
    const results = await chargeBatch({
      ctx: contextAt(ctx.store, clock.now()),
      input: {
        workspaceId: ws,
        responses: [chat('a'), chat('b', { features: ['nope'] }), chat('a'), chat('c'), chat('d')].map((r) => ({
          workspaceId: ws,
          ...r,
        })),
      },
    });
    expect(results.map((r) => (r.ok ? (r.result.replayed ? 'replayed' : 'charged') : r.error.code))).toEqual([
      'charged',
      'invalid_request',
      'replayed',
      'charged',
      'insufficient_credits',
    ]);
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('gives a batch the same answers as one charge after another, against earlier rows and its own', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(10, clock);
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ...chat('old', { conversationId: 'known' }) },
    });
    const batch = [
      chat('old', { conversationId: 'known' }),
      chat('old', { conversationId: 'other' }),
      chat('n1', { conversationId: 'known' }),
      chat('n2', { conversationId: 'fresh' }),
      chat('n3', { conversationId: 'fresh' }),
      chat('n4', { conversationId: 'fresh', channel: 'call' }),
      chat('n2', { conversationId: 'fresh' }),
      chat('n5', { conversationId: 'fresh', features: ['voice:unknown'] }),
      chat('n6', { conversationId: 'last', channel: 'call' }),
    ].map((r) => ({ workspaceId: ws, ...r }));
    const results = await chargeBatch({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responses: batch },
    });
    expect(results.map((r) => (r.ok ? (r.result.replayed ? 'replayed' : r.result.available) : r.error.code))).toEqual([
      'replayed',
      'idempotency_conflict',
      8000,
      7000,
      6000,
      'conversation_mismatch',
      'replayed',
      'invalid_request',
      5000,
    ]);

    const conversations = await ctx.store.db
      .selectFrom('conversations')
      .select(['id', 'channel'])
      .where('workspace_id', '=', ws)
      .orderBy('id')
      .execute();
    expect(conversations).toEqual([
      { id: 'fresh', channel: 'chat' },
      { id: 'known', channel: 'chat' },
      { id: 'last', channel: 'call' },
    ]);
    const rollup = await ctx.store.db
      .selectFrom('daily_rollups')
      .select((eb) => [
        eb.fn.sum<number>('responses').as('responses'),
        eb.fn.sum<number>('conversations').as('conversations'),
      ])
      .where('workspace_id', '=', ws)
      .executeTakeFirstOrThrow();
    expect({ responses: Number(rollup.responses), conversations: Number(rollup.conversations) }).toEqual({
      responses: 5,
      conversations: 3,
    });
    const again = await chargeBatch({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responses: batch.slice(2, 5) },
    });
    expect(again.map((r) => r.ok && r.result.replayed)).toEqual([true, true, true]);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      5000,
    );
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });
});

describe('a workspace that does not exist', () => {
  it('is reported as not found', async () => {
    const { sqliteFactory } = await import('../../test/support/stores.ts');
    const { store } = await sqliteFactory.create();
    const error = await refusal(
      chargeResponse({ ctx: contextAt(store, new Date()), input: { workspaceId: 'ws_missing', ...chat('r1') } }),
    );
    expect(error.code).toBe('not_found');
    await store.close();
  });
});

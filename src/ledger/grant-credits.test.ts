import { expect, it } from 'vitest';
import { DAY, HOUR, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores } from '../../test/support/stores.ts';
import { getBalance } from './balance.ts';
import { type GrantInput, grantCredits } from './grant-credits.ts';
import { getStatement } from './statement.ts';
import { createWorkspace } from './workspaces.ts';

describeStores('granting credits', (ctx) => {
  async function setUp(clock: TestClock) {
    const ws = (await createWorkspace({ ctx: contextAt(ctx.store, clock.now()), input: { name: 'Acme', plan: 'pro' } }))
      .id;
    const trial = (expiresAt: Date | null): GrantInput => ({
      workspaceId: ws,
      id: 'trial-2026-11',
      amount: 5000,
      source: 'promotion',
      reason: 'trial',
      expiresAt,
    });
    return { ws, trial };
  }

  it('creates the same grant once however often it is sent', async () => {
    const clock = new TestClock();
    const { ws, trial } = await setUp(clock);
    const first = await grantCredits({ ctx: contextAt(ctx.store, clock.now()), input: trial(null) });
    const again = await grantCredits({ ctx: contextAt(ctx.store, clock.advance(HOUR)), input: trial(null) });
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ grant: first.grant, replayed: true });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      5000,
    );
    expect((await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 10 } })).lines).toHaveLength(1);
  });

  it('answers a retry that arrives after the grant expired with the grant, not a refusal', async () => {
    const clock = new TestClock();
    const { ws, trial } = await setUp(clock);
    const expiresAt = new Date(clock.now().getTime() + DAY);
    const first = await grantCredits({ ctx: contextAt(ctx.store, clock.now()), input: trial(expiresAt) });
    const late = await grantCredits({ ctx: contextAt(ctx.store, clock.advance(2 * DAY)), input: trial(expiresAt) });
    expect(late).toMatchObject({ replayed: true, grant: { id: first.grant.id, amount: 5000, expiresAt } });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      0,
    );
  });

  it('refuses the same id with different values as an idempotency conflict', async () => {
    const clock = new TestClock();
    const { trial } = await setUp(clock);
    await grantCredits({ ctx: contextAt(ctx.store, clock.now()), input: trial(null) });
    const error = await refusal(
      grantCredits({ ctx: contextAt(ctx.store, clock.now()), input: { ...trial(null), amount: 6000 } }),
    );
    expect(error.code).toBe('idempotency_conflict');
  });

  it('refuses a new grant that would expire before it takes effect', async () => {
    const clock = new TestClock();
    const { ws, trial } = await setUp(clock);
    const error = await refusal(grantCredits({ ctx: contextAt(ctx.store, clock.now()), input: trial(clock.now()) }));
    expect(error).toMatchObject({ code: 'invalid_request', details: { field: 'expiresAt' } });
    expect((await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 10 } })).lines).toEqual([]);
  });
});

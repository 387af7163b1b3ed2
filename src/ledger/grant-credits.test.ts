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
    const first = await grantCredits(ctx.store, trial(null), clock.now());
    const again = await grantCredits(ctx.store, trial(null), clock.advance(HOUR));
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ grant: first.grant, replayed: true });
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(5000);
    expect((await getStatement(ctx.store, ws, null, 10)).lines).toHaveLength(1);
  });

  it('answers a retry that arrives after the grant expired with the grant, not a refusal', async () => {
    const clock = new TestClock();
    const { ws, trial } = await setUp(clock);
    const expiresAt = new Date(clock.now().getTime() + DAY);
    const first = await grantCredits(ctx.store, trial(expiresAt), clock.now());
    const late = await grantCredits(ctx.store, trial(expiresAt), clock.advance(2 * DAY));
    expect(late).toMatchObject({ replayed: true, grant: { id: first.grant.id, amount: 5000, expiresAt } });
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(0);
  });

  it('refuses the same id with different values as an idempotency conflict', async () => {
    const clock = new TestClock();
    const { trial } = await setUp(clock);
    await grantCredits(ctx.store, trial(null), clock.now());
    const error = await refusal(grantCredits(ctx.store, { ...trial(null), amount: 6000 }, clock.now()));
    expect(error.code).toBe('idempotency_conflict');
  });

  it('refuses a new grant that would expire before it takes effect', async () => {
    const clock = new TestClock();
    const { ws, trial } = await setUp(clock);
    const error = await refusal(grantCredits(ctx.store, trial(clock.now()), clock.now()));
    expect(error).toMatchObject({ code: 'invalid_request', details: { field: 'expiresAt' } });
    expect((await getStatement(ctx.store, ws, null, 10)).lines).toEqual([]);
  });
});

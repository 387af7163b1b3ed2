import { expect, it } from 'vitest';
import { DAY, HOUR, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { callResponse } from '../../test/support/ledger.ts';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores } from '../../test/support/stores.ts';
import { getBalance } from './balance.ts';
import { chargeResponse, type ResponseInput } from './charge-response.ts';
import { grantCredits } from './grant-credits.ts';
import { refundResponse } from './refund-response.ts';
import { getStatement } from './statement.ts';
import { verifyLedger } from './verify-ledger.ts';
import { createWorkspace } from './workspaces.ts';

describeStores('refunding a charged response', (ctx) => {
  async function workspace(clock: TestClock, overageLimit = 0) {
    return (
      await createWorkspace({
        ctx: contextAt(ctx.store, clock.now()),
        input: { name: 'Acme', plan: 'free', overageLimit },
      })
    ).id;
  }

  async function grant(ws: string, id: string, credits: number, clock: TestClock, expiresAt: Date | null = null) {
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id, amount: credits * 1000, source: 'purchase', reason: `pack ${id}`, expiresAt },
    });
  }

  async function creditsUsedToday(ws: string): Promise<number> {
    const rows = await ctx.store.db.selectFrom('daily_rollups').selectAll().where('workspace_id', '=', ws).execute();
    return rows.reduce((sum, row) => sum + Number(row.credits_used), 0);
  }

  it('gives the cost back, lowers the usage, and the statement says why', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    await grant(ws, 'g1', 10, clock);
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: callResponse(ws, 'r1', { features: ['voice:elevenlabs'] }),
    });
    expect(await creditsUsedToday(ws)).toBe(1500);

    const result = await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r1', reason: 'caller heard silence' },
    });
    expect(result).toEqual({ id: 'r1', refunded: 1500, available: 10_000, replayed: false });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      10_000,
    );
    expect(await creditsUsedToday(ws)).toBe(0);

    const lines = (await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } })).lines;
    expect(lines.at(-1)).toMatchObject({
      kind: 'refund',
      amount: 1500,
      grantId: 'g1',
      responseId: 'r1',
      reason: 'refund: caller heard silence',
      balanceAfter: 10_000,
    });
    expect((await ctx.store.reader().findResponse(ws, 'r1'))?.status).toBe('refunded');
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('refunds once when asked twice', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    await grant(ws, 'g1', 10, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r1', reason: 'duplicate' },
    });
    const again = await refundResponse({
      ctx: contextAt(ctx.store, clock.advance(HOUR)),
      input: { workspaceId: ws, responseId: 'r1', reason: 'duplicate' },
    });
    expect(again).toEqual({ id: 'r1', refunded: 1000, available: 10_000, replayed: true });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      10_000,
    );
    const refunds = (await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } })).lines.filter(
      (l) => l.kind === 'refund',
    );
    expect(refunds).toHaveLength(1);
    expect(await creditsUsedToday(ws)).toBe(0);
  });

  it('does not let a refunded id be charged again by a retry', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    await grant(ws, 'g1', 10, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r1', reason: 'bad answer' },
    });
    const retry = await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    expect(retry.replayed).toBe(true);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      10_000,
    );
  });

  it('returns each part of the cost to the grant it came from', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    await grant(ws, 'soon', 1, clock, new Date(clock.now().getTime() + 5 * DAY));
    await grant(ws, 'later', 5, clock);
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: callResponse(ws, 'r1', { features: ['voice:elevenlabs'] }),
    });
    let grants = (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).grants;
    expect(grants.map((g) => [g.id, g.remaining]).sort()).toEqual([['later', 4500]]);

    await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r1', reason: 'wrong voice' },
    });
    grants = (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).grants;
    expect(grants.map((g) => [g.id, g.remaining]).sort()).toEqual([
      ['later', 5000],
      ['soon', 1000],
    ]);
  });

  it('writes a refund to a grant that has expired since off again at once, and says so', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    const expiresAt = new Date(clock.now().getTime() + DAY);
    await grant(ws, 'trial', 2, clock, expiresAt);
    await grant(ws, 'pack', 3, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    clock.set(new Date(expiresAt.getTime() + HOUR));

    const result = await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r1', reason: 'agent misheard' },
    });
    expect(result).toMatchObject({ refunded: 1000, available: 3000 });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      3000,
    );

    const lines = (await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } })).lines;
    expect(lines.map((l) => [l.kind, l.grantId, l.amount, l.reason])).toEqual([
      ['grant', 'trial', 2000, 'pack trial'],
      ['grant', 'pack', 3000, 'pack pack'],
      ['charge', 'trial', -1000, 'call response'],
      ['expire', 'trial', -1000, 'grant expired'],
      ['refund', 'trial', 1000, 'refund: agent misheard'],
      ['expire', 'trial', -1000, 'grant expired before the refund'],
    ]);
    expect(lines.at(-1)?.balanceAfter).toBe(3000);
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('refunds a response paid below zero by reducing the overage owed', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock, 5000);
    await grant(ws, 'g1', 1, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: callResponse(ws, 'r2', { features: ['voice:elevenlabs'] }),
    });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).overageDebt).toBe(
      1500,
    );

    await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r2', reason: 'dropped call' },
    });
    const balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    expect({ available: balance.available, debt: balance.overageDebt }).toEqual({ available: 0, debt: 0 });
    const last = (await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } })).lines.at(-1);
    expect(last).toMatchObject({ kind: 'refund', grantId: null, amount: 1500, reason: 'refund: dropped call' });
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('returns overage that new credits already repaid as an adjustment grant', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock, 5000);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    await grant(ws, 'top-up', 4, clock);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      3000,
    );

    await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'r1', reason: 'test call' },
    });
    const balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    expect(balance.available).toBe(4000);
    const adjustment = balance.grants.find((g) => g.source === 'adjustment');
    expect(adjustment).toMatchObject({ amount: 1000, remaining: 1000 });
    expect(adjustment?.reason).toContain('r1');
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('refuses a refund without a reason or for a response that was never charged', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    await grant(ws, 'g1', 1, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    const noReason = await refusal(
      refundResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, responseId: 'r1', reason: '  ' },
      }),
    );
    expect(noReason).toMatchObject({ code: 'invalid_request', details: { field: 'reason' } });
    expect(
      (
        await refusal(
          refundResponse({
            ctx: contextAt(ctx.store, clock.now()),
            input: { workspaceId: ws, responseId: 'nope', reason: 'why' },
          }),
        )
      ).code,
    ).toBe('not_found');
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      0,
    );
  });

  it('cannot refund another workspace’s response', async () => {
    const clock = new TestClock();
    const ws = await workspace(clock);
    const other = await workspace(clock);
    await grant(ws, 'g1', 1, clock);
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: callResponse(ws, 'r1') });
    expect(
      (
        await refusal(
          refundResponse({
            ctx: contextAt(ctx.store, clock.now()),
            input: { workspaceId: other, responseId: 'r1', reason: 'steal' },
          }),
        )
      ).code,
    ).toBe('not_found');
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      0,
    );
  });
});

import { expect, it } from 'vitest';
import { MINUTE, SECOND, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { grantThenChargeTogether, ledgerContext } from '../../test/support/ledger.ts';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores, openStoreAt } from '../../test/support/stores.ts';
import type { TallyError } from '../domain/errors.ts';
import { getBalance } from '../ledger/balance.ts';
import { chargeBatch } from '../ledger/charge-response.ts';
import type { LedgerContext } from '../ledger/context.ts';
import { grantCredits } from '../ledger/grant-credits.ts';
import { refundResponse } from '../ledger/refund-response.ts';
import { releaseReservation, reserveCredits } from '../ledger/reservations.ts';
import { sweepExpired } from '../ledger/sweep-expired.ts';
import { createWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { getThreshold, observeCreditAlerts, setThreshold } from './credit-alerts.ts';

async function eventsOf(store: Store, workspaceId: string) {
  const rows = await store.db
    .selectFrom('webhook_events')
    .select(['type', 'data'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ type: row.type, ...(JSON.parse(row.data) as Record<string, unknown>) }));
}

const typesOf = async (store: Store, workspaceId: string) => (await eventsOf(store, workspaceId)).map((e) => e.type);

describeStores('low-credit crossings', (ctx) => {
  let responses = 0;
  function setup(overrides: { clock?: TestClock } = {}) {
    const clock = overrides.clock ?? new TestClock();
    const ledger = ledgerContext(ctx.store, clock.now);
    observeCreditAlerts({ ctx: contextAt(ctx.store, clock.now()) });
    const charge = (workspaceId: string, features: string[] = []) => {
      clock.advance(SECOND);
      responses += 1;
      return ledger.charges.charge({
        workspaceId,
        id: `r${responses}`,
        conversationId: 'c1',
        channel: 'chat',
        agentId: 'a1',
        features,
      });
    };
    const workspace = async (credits: number, overageLimit = 0) => {
      const ws = await createWorkspace({ ctx: ledger, input: { name: 'Acme', plan: 'free', overageLimit } });
      if (credits > 0) await grant(ledger, ws.id, 'welcome', credits);
      return ws.id;
    };
    return { clock, ledger, charge, workspace };
  }

  const grant = (ledger: LedgerContext, workspaceId: string, id: string, credits: number, expiresAt?: Date) =>
    grantCredits({
      ctx: ledger,
      input: { workspaceId, id, amount: credits * 1000, source: 'promotion', reason: 'test', expiresAt },
    });

  it('fires credits.low once on the way down, credits.depleted once at zero, credits.recovered once on a top-up', async () => {
    const { ledger, charge, workspace } = setup();
    const ws = await workspace(10); // the default threshold: 20% of 10 credits = 2

    for (let i = 0; i < 7; i += 1) await charge(ws);
    expect(await typesOf(ctx.store, ws)).toEqual([]); // 3 left, above the line

    await charge(ws); // 2 left: at the line
    expect(await eventsOf(ctx.store, ws)).toEqual([
      { type: 'credits.low', available: 2, threshold: 2, state: 'low', previousState: 'ok' },
    ]);

    await charge(ws); // 1 left: still low, nothing new
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low']);

    await charge(ws); // 0 left
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.depleted']);
    expect((await refusal(charge(ws))).code).toBe('insufficient_credits');
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.depleted']);

    await grant(ledger, ws, 'top-up', 10); // 10 left of 20 granted this period: line 4
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.depleted', 'credits.recovered']);
    await grant(ledger, ws, 'more', 10);
    await charge(ws);
    expect(await typesOf(ctx.store, ws)).toHaveLength(3);
  });

  it("puts the line at the share of the period's grants that include a grant made in the same transaction", async () => {
    const { clock, workspace } = setup();
    const ws = await workspace(10);
    // 10 more granted and 16 used together: 4 left, exactly 20% of the 20 granted (2 would be 20% of 10).
    await grantThenChargeTogether(ctx.store, ws, { id: 'more', credits: 10 }, 16, clock.advance(SECOND));
    expect(await eventsOf(ctx.store, ws)).toEqual([
      { type: 'credits.low', available: 4, threshold: 4, state: 'low', previousState: 'ok' },
    ]);
  });

  it('fires both credits.low and credits.depleted when one batch goes from plenty to nothing', async () => {
    const { ledger, workspace } = setup();
    const ws = await workspace(3);
    const batch = ['b1', 'b2', 'b3', 'b4'].map((id) => ({
      workspaceId: ws,
      id,
      conversationId: 'c1',
      channel: 'chat' as const,
      agentId: 'a1',
    }));
    const results = await chargeBatch({ ctx: ledger, input: { workspaceId: ws, responses: batch } });
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.depleted']);
  });

  it('writes the event in the transaction of the charge: none for a refused charge, none when that transaction fails', async () => {
    const { charge, workspace } = setup();
    const ws = await workspace(3);
    await charge(ws); // 2 left: 20% of 3 is 0.6, still ok
    await charge(ws, ['voice:elevenlabs']); // 1.5 credits: 0.5 left, low
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low']);
    expect((await refusal(charge(ws))).code).toBe('insufficient_credits'); // would have reached zero
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low']);

    // Another observer fails after the alert was written: the charge and its event roll back together.
    const other = setup();
    const ws2 = await other.workspace(10);
    for (let i = 0; i < 7; i += 1) await other.charge(ws2);
    ctx.store.observeBalances('failing', {
      load: async () => undefined,
      decide: async () => {
        throw new Error('disk full');
      },
    });
    await expect(other.charge(ws2)).rejects.toThrow('disk full');
    expect(await typesOf(ctx.store, ws2)).toEqual([]);
    expect((await getBalance({ ctx: other.ledger, input: { workspaceId: ws2 } })).available).toBe(3000);
    ctx.store.observeBalances('failing', { load: async () => undefined, decide: async () => {} });
    await other.charge(ws2);
    expect(await typesOf(ctx.store, ws2)).toEqual(['credits.low']);
  });

  it('announces nothing for a workspace that never had credits', async () => {
    const { ledger, workspace } = setup();
    const ws = await workspace(0);
    const results = await chargeBatch({
      ctx: ledger,
      input: {
        workspaceId: ws,
        responses: [{ workspaceId: ws, id: 'x', conversationId: 'c1', channel: 'chat', agentId: 'a1' }],
      },
    });
    expect(results[0]?.ok).toBe(false);
    await grant(ledger, ws, 'first', 50);
    expect(await typesOf(ctx.store, ws)).toEqual([]);
  });

  it('counts reservations, refunds and expiry as changes of the balance', async () => {
    const { clock, ledger, charge, workspace } = setup();
    const ws = await workspace(10);
    for (let i = 0; i < 7; i += 1) await charge(ws); // 3 left
    const { hold } = await reserveCredits({ ctx: ledger, input: { workspaceId: ws, count: 1 } }); // 2 available
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low']);
    await releaseReservation({ ctx: ledger, input: { workspaceId: ws, reservationId: hold.id } }); // 3 available again
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.recovered']);

    await charge(ws); // 2 left: low
    await refundResponse({
      ctx: ledger,
      input: { workspaceId: ws, responseId: `r${responses}`, reason: 'wrong answer' },
    }); // 3: recovered
    expect(await typesOf(ctx.store, ws)).toEqual([
      'credits.low',
      'credits.recovered',
      'credits.low',
      'credits.recovered',
    ]);

    // Credits that expire leave only 1 credit: the sweep's transaction announces the fall.
    await grant(ledger, ws, 'short', 10, new Date(clock.now().getTime() + 10 * MINUTE));
    clock.advance(11 * MINUTE);
    await sweepExpired({ ctx: contextAt(ctx.store, clock.now()) });
    expect((await typesOf(ctx.store, ws)).slice(4)).toEqual(['credits.low']);
  });

  it('goes below zero into depleted on a plan that allows overage', async () => {
    const { charge, workspace } = setup();
    const ws = await workspace(1, 5000);
    await charge(ws);
    await charge(ws);
    expect(await eventsOf(ctx.store, ws)).toEqual([
      { type: 'credits.low', available: 0, threshold: 0.2, state: 'depleted', previousState: 'ok' },
      { type: 'credits.depleted', available: 0, threshold: 0.2, state: 'depleted', previousState: 'ok' },
    ]);
  });

  it('uses the threshold the workspace set, and announces a crossing the new threshold causes', async () => {
    const { clock, charge, workspace } = setup();
    const ws = await workspace(100);
    for (let i = 0; i < 40; i += 1) await charge(ws); // 60 left, line 20

    const view = await setThreshold({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, threshold: { kind: 'absolute', amount: 60_000 } },
    });
    expect(view).toMatchObject({ isDefault: false, line: 60_000, available: 60_000, state: 'low' });
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low']);
    expect(await getThreshold({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).toEqual({
      kind: 'absolute',
      amount: 60_000,
    });

    await setThreshold({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, threshold: { kind: 'share', share: 0.5 } },
    }); // line 50: above it again
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.recovered']);
    for (let i = 0; i < 10; i += 1) await charge(ws);
    expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.recovered', 'credits.low']);

    const back = await setThreshold({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, threshold: null },
    });
    expect(back).toMatchObject({ isDefault: true, threshold: { kind: 'share', share: 0.2 }, line: 20_000 });
    expect(await typesOf(ctx.store, ws)).toEqual([
      'credits.low',
      'credits.recovered',
      'credits.low',
      'credits.recovered',
    ]);
  });

  it('refuses a threshold that is not a share from 0 to 100% or a whole number of millicredits', async () => {
    const { clock, workspace } = setup();
    const ws = await workspace(10);
    for (const bad of [
      { kind: 'share' as const, share: 1.5 },
      { kind: 'share' as const, share: 0.12345 },
      { kind: 'absolute' as const, amount: -1 },
    ]) {
      expect(
        (
          await refusal(
            setThreshold({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, threshold: bad } }),
          )
        ).code,
      ).toBe('invalid_request');
    }
    expect(
      (
        await refusal(
          setThreshold({
            ctx: contextAt(ctx.store, clock.now()),
            input: { workspaceId: 'ws_missing', threshold: null },
          }),
        )
      ).code,
    ).toBe('not_found');
  });

  it('announces each crossing once when charges race, from two processes on PostgreSQL', async () => {
    const clock = new TestClock();
    const first = setup({ clock });
    // SQLite is the one-process embedded default (better-sqlite3 would block this process on the other
    // connection's lock), so there the race is between concurrent transactions of one process.
    const secondStore = ctx.kind === 'postgres' ? await openStoreAt(ctx.location) : ctx.store;
    try {
      observeCreditAlerts({ ctx: contextAt(secondStore, clock.now()) });
      const second = ledgerContext(secondStore, clock.now);
      const ws = await first.workspace(40);
      const charges = Array.from({ length: 44 }, (_, i) =>
        (i % 2 === 0 ? first.ledger : second).charges
          .charge({ workspaceId: ws, id: `p${i}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' })
          .then(
            () => 'charged',
            (error: TallyError) => error.code,
          ),
      );
      const outcomes = await Promise.all(charges);
      expect(outcomes.filter((o) => o === 'charged')).toHaveLength(40);
      expect(await typesOf(ctx.store, ws)).toEqual(['credits.low', 'credits.depleted']);
    } finally {
      if (secondStore !== ctx.store) await secondStore.close();
    }
  });
});

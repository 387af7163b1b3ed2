import { expect, it } from 'vitest';
import { DAY, SECOND, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { grantThenChargeTogether, ledgerContext } from '../../test/support/ledger.ts';
import { describeStores, openStoreAt } from '../../test/support/stores.ts';
import type { TallyError } from '../domain/errors.ts';
import { grantCredits } from '../ledger/grant-credits.ts';
import { createWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { observeAlertLevels, setLevels } from './alert-levels.ts';

async function levelEvents(store: Store, workspaceId: string) {
  const rows = await store.db
    .selectFrom('webhook_events')
    .select('data')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', 'usage.level_reached')
    .orderBy('seq')
    .execute();
  return rows.map((row) => JSON.parse(row.data) as Record<string, unknown>);
}

const levelsOf = async (store: Store, workspaceId: string) =>
  (await levelEvents(store, workspaceId)).map((e) => e.level);

describeStores('usage levels', (ctx) => {
  let responses = 0;
  function setup(clock = new TestClock()) {
    const ledger = ledgerContext(ctx.store, clock.now);
    observeAlertLevels({ ctx: contextAt(ctx.store, clock.now()) });
    const charge = (workspaceId: string) => {
      clock.advance(SECOND);
      responses += 1;
      return ledger.charges.charge({
        workspaceId,
        id: `r${responses}`,
        conversationId: 'c1',
        channel: 'chat',
        agentId: 'a1',
      });
    };
    const grant = (workspaceId: string, id: string, credits: number) =>
      grantCredits({
        ctx: ledger,
        input: { workspaceId, id, amount: credits * 1000, source: 'promotion', reason: 'test' },
      });
    const workspace = async (credits: number) => {
      const ws = await createWorkspace({ ctx: ledger, input: { name: 'Acme', plan: 'free' } });
      await grant(ws.id, 'welcome', credits);
      return ws.id;
    };
    return { clock, ledger, charge, grant, workspace };
  }

  it("announces 50%, 80% and 100% of the period's credits used, each once", async () => {
    const { charge, workspace } = setup();
    const ws = await workspace(10);
    for (let i = 0; i < 4; i += 1) await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([]);
    await charge(ws);
    const [half] = await levelEvents(ctx.store, ws);
    expect(half).toMatchObject({ level: 50, kind: 'used_percent', usedPercent: 50, creditsLeft: 5 });
    expect(half?.periodStart).toBe('2026-11-01T00:00:00.000Z');
    expect(half?.periodEnd).toBe('2026-12-01T00:00:00.000Z');
    for (let i = 0; i < 5; i += 1) await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([50, 80, 100]);
  });

  it('counts the grant and the usage of one transaction that lands exactly on 50%', async () => {
    const { charge, clock, workspace } = setup();
    const ws = await workspace(10);
    for (let i = 0; i < 4; i += 1) await charge(ws); // 4 of 10 used
    // 10 more granted and 6 more used together: 10 of 20, exactly half (not all of 10, not 4 of 20).
    await grantThenChargeTogether(ctx.store, ws, { id: 'more', credits: 10 }, 6, clock.advance(SECOND));
    expect(await levelEvents(ctx.store, ws)).toEqual([
      expect.objectContaining({ level: 50, usedPercent: 50, creditsLeft: 10 }),
    ]);
  });

  it('announces a credits-left level again only after a top-up lifted the balance above it', async () => {
    const { charge, grant, clock, workspace } = setup();
    const ws = await workspace(10);
    await setLevels({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, levels: [{ kind: 'credits_left', amount: 3_000 }] },
    });
    for (let i = 0; i < 8; i += 1) await charge(ws);
    expect(await levelEvents(ctx.store, ws)).toEqual([
      expect.objectContaining({ level: 3, kind: 'credits_left', creditsLeft: 3 }),
    ]);
    await grant(ws, 'top-up', 10); // 12 left: the level is left
    await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([3]);
    for (let i = 0; i < 8; i += 1) await charge(ws); // down to 3 again
    expect(await levelsOf(ctx.store, ws)).toEqual([3, 3]);
  });

  it('announces a level again in the next period', async () => {
    const { charge, grant, clock, workspace } = setup();
    const ws = await workspace(10);
    for (let i = 0; i < 5; i += 1) await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([50]);
    clock.advance(31 * DAY);
    await grant(ws, 'next-period', 10);
    for (let i = 0; i < 5; i += 1) await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([50, 50]);
  });

  it('keeps what was reached for the levels kept, and an empty list stops level alerts', async () => {
    const { charge, clock, workspace } = setup();
    const ws = await workspace(10);
    for (let i = 0; i < 6; i += 1) await charge(ws);
    const view = await setLevels({
      ctx: contextAt(ctx.store, clock.now()),
      input: {
        workspaceId: ws,
        levels: [
          { kind: 'used_percent', basisPoints: 5_000 },
          { kind: 'used_percent', basisPoints: 6_000 },
        ],
      },
    });
    expect(view.levels.map((l) => l.reached)).toEqual([true, true]);
    await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([50, 60]); // 60% is new and already passed: once
    await setLevels({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, levels: [] } });
    for (let i = 0; i < 3; i += 1) await charge(ws);
    expect(await levelsOf(ctx.store, ws)).toEqual([50, 60]);
  });

  it('announces each level once when charges race, from two processes on PostgreSQL', async () => {
    const clock = new TestClock();
    const first = setup(clock);
    const secondStore = ctx.kind === 'postgres' ? await openStoreAt(ctx.location) : ctx.store;
    try {
      observeAlertLevels({ ctx: contextAt(secondStore, clock.now()) });
      const second = ledgerContext(secondStore, clock.now);
      const ws = await first.workspace(40);
      const outcomes = await Promise.all(
        Array.from({ length: 44 }, (_, i) =>
          (i % 2 === 0 ? first.ledger : second).charges
            .charge({ workspaceId: ws, id: `p${i}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' })
            .then(
              () => 'charged',
              (error: TallyError) => error.code,
            ),
        ),
      );
      expect(outcomes.filter((o) => o === 'charged')).toHaveLength(40);
      expect(await levelsOf(ctx.store, ws)).toEqual([50, 80, 100]);
    } finally {
      if (secondStore !== ctx.store) await secondStore.close();
    }
  });
});

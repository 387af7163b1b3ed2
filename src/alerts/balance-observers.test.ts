import { expect, it } from 'vitest';
import { SECOND, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { countingPlugin } from '../../test/support/counting-plugin.ts';
import { ledgerContext } from '../../test/support/ledger.ts';
import { describeStores } from '../../test/support/stores.ts';
import { setAutoTopUp } from '../billing/auto-top-up/auto-top-ups.ts';
import { observeAutoTopUps } from '../billing/auto-top-up/observer.ts';
import { Catalog, DEFAULT_CATALOG } from '../billing/catalog.ts';
import { chargeBatch } from '../ledger/charge-response.ts';
import { grantCredits } from '../ledger/grant-credits.ts';
import { setSpendLimits } from '../ledger/spend-limits.ts';
import { createWorkspace } from '../ledger/workspaces.ts';
import type { BalanceObserver, Store } from '../store/store.ts';
import { observeAlertLevels } from './alert-levels.ts';
import { observeCreditAlerts } from './credit-alerts.ts';
import { observeSpendLimits } from './limit-alerts.ts';

/** The store, through which every observer registered counts the statements its load and its decide run. */
function countingObservers(store: Store) {
  const statements = { load: 0, decide: 0 };
  const counting = (phase: keyof typeof statements) =>
    countingPlugin(() => {
      statements[phase] += 1;
    });
  const observeBalances = <Loaded>(name: string, observer: BalanceObserver<Loaded>) =>
    store.observeBalances(name, {
      load: (db, workspaceId, at, shared) => observer.load(db.withPlugin(counting('load')), workspaceId, at, shared),
      decide: (change, loaded, db) => observer.decide(change, loaded, db.withPlugin(counting('decide'))),
    });
  const observed = new Proxy(store, {
    get(target, property) {
      if (property === 'observeBalances') return observeBalances;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { observed, statements };
}

describeStores('balance observers', (ctx) => {
  it('decide a charge that crosses nothing without a query, and write when one crosses', async () => {
    const clock = new TestClock();
    const { observed, statements } = countingObservers(ctx.store);
    const observing = contextAt(observed, clock.now());
    observeCreditAlerts({ ctx: observing });
    observeAlertLevels({ ctx: observing });
    observeSpendLimits({ ctx: observing });
    const catalog = new Catalog(DEFAULT_CATALOG);
    const topUps = { store: observed, catalog, clock: clock.now, payments: 'manual' as const };
    observeAutoTopUps({ ctx: topUps });

    const ledger = ledgerContext(ctx.store, clock.now);
    const ws = (await createWorkspace({ ctx: ledger, input: { name: 'Acme', plan: 'payg' } })).id;
    await grantCredits({
      ctx: ledger,
      input: { workspaceId: ws, id: 'welcome', amount: 100_000, source: 'purchase', reason: 'pack' },
    });
    await setSpendLimits({
      ctx: ledger,
      input: { workspaceId: ws, limits: { workspace: { limit: 90_000, mode: 'alert' } } },
    });
    const pack = catalog.data.packs[0]?.id ?? '';
    await setAutoTopUp({
      ctx: topUps,
      input: { workspaceId: ws, settings: { enabled: true, threshold: 5_000, pack, maxPerMonth: 3 } },
    });
    let chats = 0;
    const chat = () => {
      chats += 1;
      return { workspaceId: ws, id: `r${chats}`, conversationId: `c${chats}`, channel: 'chat' as const, agentId: 'a1' };
    };

    statements.load = 0;
    statements.decide = 0;
    clock.advance(SECOND);
    await ledger.charges.charge(chat()); // 99 of 100 left: no line, no level, no limit, no top-up crossed
    expect(statements.load).toBeGreaterThan(0);
    expect(statements.decide).toBe(0);

    clock.advance(SECOND);
    await chargeBatch({ ctx: ledger, input: { workspaceId: ws, responses: Array.from({ length: 49 }, chat) } }); // half of the period's credits used
    expect(statements.decide).toBeGreaterThan(0);
    const events = await ctx.store.db
      .selectFrom('webhook_events')
      .select('type')
      .where('workspace_id', '=', ws)
      .execute();
    expect(events.map((event) => event.type)).toEqual(['usage.level_reached']);
  });
});

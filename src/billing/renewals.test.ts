import { afterEach, beforeEach, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { describeStores, openStoreAt } from '../../test/support/stores.ts';
import { getBalance } from '../ledger/balance.ts';
import type { Store } from '../store/store.ts';
import { countAgents, createAgent } from './agents.ts';
import { Catalog, DEFAULT_CATALOG } from './catalog.ts';
import type { BillingContext } from './context.ts';
import type { SubscriptionRenewed } from './events.ts';
import { requestPack, requestPlan } from './plan-requests.ts';
import { renewDue } from './renewals.ts';
import { getSubscription, openWorkspace } from './subscriptions.ts';

const catalog = new Catalog(DEFAULT_CATALOG);

describeStores('subscription renewals', (ctx) => {
  let clock: TestClock;
  let renewed: SubscriptionRenewed[];
  let billing: BillingContext;
  const others: Store[] = [];
  beforeEach(() => {
    clock = new TestClock('2026-11-01T12:00:00Z');
    renewed = [];
    billing = {
      store: ctx.store,
      catalog,
      clock: clock.now,
      payments: 'manual',
      stripe: null,
      events: { subscriptionRenewed: async (event) => void renewed.push(event) },
    };
  });
  afterEach(async () => {
    for (const store of others.splice(0)) await store.close();
  });

  const subscriptionGrants = async (workspaceId: string) =>
    ctx.store.db
      .selectFrom('grants')
      .select(['id', 'amount', 'effective_at', 'expires_at'])
      .where('workspace_id', '=', workspaceId)
      .where('source', '=', 'subscription')
      .orderBy('effective_at')
      .orderBy('id')
      .execute();

  it('grants the first period when a workspace is created on a plan, and nothing more until the next period', async () => {
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'starter' } });
    expect(
      (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } })).available,
    ).toBe(1_000_000);
    clock.set('2026-11-30T23:59:59Z');
    expect((await renewDue({ ctx: billing })).renewed).toBe(0);
    const balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } });
    expect(balance.period).toMatchObject({ start: new Date('2026-11-01T00:00:00Z'), granted: 1_000_000 });
  });

  it('grants each new period once at its start, and the unused credits of the old one expire', async () => {
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'starter' } });
    clock.set('2026-12-01T00:00:00Z');
    expect((await renewDue({ ctx: billing })).renewed).toBe(1);
    expect((await renewDue({ ctx: billing })).renewed).toBe(0);
    const balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } });
    expect(balance.available).toBe(1_000_000);
    expect(balance.period.start).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(renewed.map((r) => r.period.start.toISOString())).toEqual(['2026-12-01T00:00:00.000Z']);
  });

  it('after Tally was down for three periods, grants each missed period once with its own expiry', async () => {
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'starter' } });
    clock.set('2027-02-15T08:00:00Z');
    const report = await renewDue({ ctx: billing });
    expect(report.renewed).toBe(3);
    const grants = await subscriptionGrants(ws.id);
    expect(
      grants.map((g) => [new Date(Number(g.effective_at)).toISOString(), new Date(Number(g.expires_at)).toISOString()]),
    ).toEqual([
      ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
      ['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
      ['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
      ['2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z'],
    ]);
    // Only the current period's credits are live; the missed ones expired at their own period ends.
    expect(
      (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } })).available,
    ).toBe(1_000_000);
    expect((await renewDue({ ctx: billing })).renewed).toBe(0);
  });

  it('grants each period once when two processes renew at the same moment', async () => {
    const workspaces = [];
    for (let i = 0; i < 5; i++)
      workspaces.push(await openWorkspace({ ctx: billing, input: { name: `W${i}`, plan: 'growth' } }));
    // A second pool on PostgreSQL; on SQLite a second connection in this process would block the thread
    // that holds the write lock, so both runners share the store (its transactions still interleave).
    const second = ctx.kind === 'postgres' ? await openStoreAt(ctx.location) : ctx.store;
    if (second !== ctx.store) others.push(second);
    const otherProcess = { ...billing, store: second, events: {} };
    clock.set('2027-01-20T00:00:00Z');
    const reports = await Promise.all([
      renewDue({ ctx: billing }),
      renewDue({ ctx: otherProcess }),
      renewDue({ ctx: billing }),
    ]);
    expect(reports.reduce((sum, r) => sum + r.renewed, 0)).toBe(2 * workspaces.length);
    for (const ws of workspaces) {
      const grants = await subscriptionGrants(ws.id);
      expect(grants.filter((g) => g.id.startsWith('period:'))).toHaveLength(3);
    }
  });

  it('rolls unused credits over up to the plan cap, spends them first, and expires them with the period', async () => {
    // Growth: 5,000 credits a period, unused credits roll over up to 2,500.
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'growth' } });
    clock.set('2026-12-01T00:00:00Z');
    await renewDue({ ctx: billing });
    let balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } });
    expect(balance.available).toBe(7_500_000);
    const rollover = balance.grants.find((g) => g.id.startsWith('rollover:'));
    expect(rollover).toMatchObject({ amount: 2_500_000, priority: -1, expiresAt: new Date('2027-01-01T00:00:00Z') });

    // Spend 6,000 of December's 7,500: 1,500 are left to roll into January.
    await ctx.store.db
      .updateTable('grants')
      .set({ remaining: 0 })
      .where('workspace_id', '=', ws.id)
      .where('id', '=', 'rollover:2026-12-01T00:00:00.000Z')
      .execute();
    await ctx.store.db
      .updateTable('grants')
      .set({ remaining: 1_500_000 })
      .where('workspace_id', '=', ws.id)
      .where('id', '=', 'period:2026-12-01T00:00:00.000Z')
      .execute();
    clock.set('2027-01-01T00:00:00Z');
    await renewDue({ ctx: billing });
    balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } });
    expect(balance.available).toBe(6_500_000);
    expect(renewed.at(-1)?.rollover?.amount).toBe(1_500_000);
  });

  it('counts unused credits for rollover also when a charge already wrote them off', async () => {
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'growth' } });
    clock.set('2026-12-01T00:00:01Z');
    // Any ledger transaction sweeps the expired period before the renewal runs.
    await requestPack({
      ctx: billing,
      input: {
        workspaceId: ws.id,
        packId: 'pack-500',
        requester: { asOperator: true, returnUrl: '', idempotencyKey: 'p1' },
      },
    });
    const expired = await ctx.store.db
      .selectFrom('ledger_lines')
      .select('amount')
      .where('workspace_id', '=', ws.id)
      .where('kind', '=', 'expire')
      .execute();
    expect(expired.map((l) => Number(l.amount))).toEqual([-5_000_000]);
    await renewDue({ ctx: billing });
    expect(renewed.at(-1)?.rollover?.amount).toBe(2_500_000);
  });

  it('applies a downgrade at the next period, not before, and keeps the agents', async () => {
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'growth' } });
    for (const id of ['a1', 'a2', 'a3'])
      await createAgent({ ctx: billing, input: { workspaceId: ws.id, id, name: id } });
    const result = await requestPlan({
      ctx: billing,
      input: { workspaceId: ws.id, planId: 'free', requester: { asOperator: false, returnUrl: '' } },
    });
    expect(result).toMatchObject({ kind: 'applied', change: 'downgrade', grant: null });
    expect((await getSubscription({ ctx: billing, input: { workspaceId: ws.id } })).pendingPlan).toBe('free');
    expect(
      (await ctx.store.db.selectFrom('workspaces').select('plan').where('id', '=', ws.id).executeTakeFirst())?.plan,
    ).toBe('growth');

    clock.set('2026-12-01T00:00:00Z');
    await renewDue({ ctx: billing });
    const subscription = await getSubscription({ ctx: billing, input: { workspaceId: ws.id } });
    expect(subscription).toMatchObject({ plan: 'free', pendingPlan: null });
    const workspace = await ctx.store.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', ws.id)
      .executeTakeFirst();
    expect(workspace).toMatchObject({ plan: 'free' });
    expect(Number(workspace?.overage_limit)).toBe(0);
    expect(await countAgents({ ctx: billing, input: { workspaceId: ws.id } })).toBe(3);
    // Growth's unused credits roll over (its rule), then Free's 50 for the new period.
    expect(renewed.at(-1)).toMatchObject({
      plan: { id: 'free' },
      grant: { amount: 50_000 },
      rollover: { amount: 2_500_000 },
    });
  });

  it('upgrades at once: the new plan, its overage limit, and the difference in credits for the rest of the period', async () => {
    const ws = await openWorkspace({ ctx: billing, input: { name: 'Acme', plan: 'starter' } });
    clock.set('2026-11-20T09:00:00Z');
    const result = await requestPlan({
      ctx: billing,
      input: { workspaceId: ws.id, planId: 'growth', requester: { asOperator: false, returnUrl: '' } },
    });
    expect(result).toMatchObject({
      kind: 'applied',
      change: 'upgrade',
      grant: { amount: 4_000_000, expiresAt: new Date('2026-12-01T00:00:00Z') },
    });
    const workspace = await ctx.store.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', ws.id)
      .executeTakeFirst();
    expect(workspace).toMatchObject({ plan: 'growth' });
    expect(Number(workspace?.overage_limit)).toBe(100_000);
    expect(
      (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } })).available,
    ).toBe(5_000_000);
    // Asking again changes nothing and answers with the same top-up.
    const again = await requestPlan({
      ctx: billing,
      input: { workspaceId: ws.id, planId: 'growth', requester: { asOperator: false, returnUrl: '' } },
    });
    expect(again).toMatchObject({ change: 'none', grant: { id: result.kind === 'applied' ? result.grant?.id : '' } });
    expect(
      (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } })).available,
    ).toBe(5_000_000);
  });

  it("keeps an operator-set overage limit across upgrades, downgrades and renewals; the plan's otherwise", async () => {
    const overageLimitOf = async (workspaceId: string) =>
      Number(
        (
          await ctx.store.db
            .selectFrom('workspaces')
            .select('overage_limit')
            .where('id', '=', workspaceId)
            .executeTakeFirstOrThrow()
        ).overage_limit,
      );
    const set = await openWorkspace({ ctx: billing, input: { name: 'Set', plan: 'starter', overageLimit: 7_000 } });
    const planDefault = await openWorkspace({ ctx: billing, input: { name: 'Default', plan: 'starter' } });
    for (const ws of [set, planDefault]) {
      await requestPlan({
        ctx: billing,
        input: { workspaceId: ws.id, planId: 'scale', requester: { asOperator: true, returnUrl: '' } },
      });
    }
    expect(await overageLimitOf(set.id)).toBe(7_000);
    expect(await overageLimitOf(planDefault.id)).toBe(1_000_000);

    for (const ws of [set, planDefault]) {
      await requestPlan({
        ctx: billing,
        input: { workspaceId: ws.id, planId: 'growth', requester: { asOperator: true, returnUrl: '' } },
      });
    }
    clock.set('2026-12-01T00:00:00Z');
    await renewDue({ ctx: billing });
    clock.set('2027-01-01T00:00:00Z');
    await renewDue({ ctx: billing });
    expect(await overageLimitOf(set.id)).toBe(7_000);
    expect(await overageLimitOf(planDefault.id)).toBe(100_000);
  });

  it('gives a workspace from before billing a subscription without granting its current period again', async () => {
    await ctx.store.db
      .insertInto('workspaces')
      .values({
        id: 'ws_old',
        name: 'Old',
        plan: 'starter',
        overage_limit: 0,
        overage_debt: 0,
        period_anchor: Date.parse('2026-10-15T00:00:00Z'),
        created_at: Date.parse('2026-10-15T00:00:00Z'),
      })
      .execute();
    expect(await renewDue({ ctx: billing })).toMatchObject({ adopted: 1, renewed: 0 });
    expect(await subscriptionGrants('ws_old')).toEqual([]);
    clock.set('2026-11-15T00:00:00Z');
    expect(await renewDue({ ctx: billing })).toMatchObject({ adopted: 0, renewed: 1 });
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.ts';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { Catalog, DEFAULT_CATALOG } from '../../billing/catalog.ts';

describeStores('plans, subscription and purchases with the manual provider', (ctx) => {
  let server: TestServer;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock('2026-11-10T12:00:00Z');
    server = await startServer(ctx.store, { clock: clock.now, catalog: new Catalog(DEFAULT_CATALOG) });
  });
  afterEach(() => server.close());
  const available = async (key: string) => (await server.call('GET', '/v1/balance', { key })).body.available;

  it('shows the catalog to the operator and to any workspace key, and to no one else', async () => {
    const ws = await server.workspace(0, 'free');
    const asWorkspace = await server.call('GET', '/v1/plans', { key: ws.key });
    expect(asWorkspace.status).toBe(200);
    expect(asWorkspace.body.plans.map((p: { id: string }) => p.id)).toEqual(['free', 'starter', 'growth', 'scale']);
    expect(asWorkspace.body.packs[0]).toEqual({
      id: 'pack-500',
      name: '500 credits',
      credits: 500,
      price: 15,
      currency: 'usd',
      validityMonths: 12,
    });
    expect((await server.call('GET', '/v1/plans', { key: TEST_ADMIN_KEY })).status).toBe(200);
    expect((await server.call('GET', '/v1/plans')).status).toBe(401);
  });

  it("gives a new workspace its plan's first period of credits", async () => {
    const ws = await server.workspace(0, 'free');
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body).toMatchObject({ available: 50, period: { granted: 50 }, agents: { used: 0, allowed: 1 } });
    const subscription = await server.call('GET', '/v1/subscription', { key: ws.key });
    expect(subscription.body).toEqual({
      plan: 'free',
      pendingPlan: null,
      status: 'active',
      provider: 'manual',
      currentPeriod: { start: '2026-11-10T00:00:00.000Z', end: '2026-12-10T00:00:00.000Z' },
      paidThrough: null,
    });
  });

  it('upgrades at once and returns the grant of the difference', async () => {
    const ws = await server.workspace(0, 'free');
    const upgraded = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({
      change: 'upgrade',
      grant: { amount: 950, source: 'subscription', expiresAt: '2026-12-10T00:00:00.000Z' },
      subscription: { plan: 'starter', pendingPlan: null },
    });
    expect(await available(ws.key)).toBe(1000);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.agents.allowed).toBe(3);
  });

  it('schedules a downgrade for the next period, and choosing the current plan again cancels it', async () => {
    const ws = await server.workspace(0, 'growth');
    const down = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    expect(down.body).toMatchObject({
      change: 'downgrade',
      grant: null,
      subscription: { plan: 'growth', pendingPlan: 'starter' },
    });
    const keep = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'growth' } });
    expect(keep.body).toMatchObject({ change: 'none', subscription: { plan: 'growth', pendingPlan: null } });
  });

  it('lists the plans above the current one and the packs for the upgrade page', async () => {
    const ws = await server.workspace(0, 'starter');
    const options = await server.call('GET', '/v1/upgrade-options', { key: ws.key });
    expect(options.status).toBe(200);
    expect(options.body.current.id).toBe('starter');
    expect(options.body.plans.map((p: { id: string }) => p.id)).toEqual(['growth', 'scale']);
    expect(options.body.packs).toHaveLength(3);
    expect(options.body.provider).toBe('manual');
  });

  it('grants a pack at once, once per Idempotency-Key', async () => {
    const ws = await server.workspace(0, 'free');
    const headers = { 'idempotency-key': 'buy-1' };
    const first = await server.call('POST', '/v1/purchases', { key: ws.key, body: { pack: 'pack-500' }, headers });
    expect(first.status).toBe(201);
    expect(first.body.grant).toMatchObject({ amount: 500, source: 'purchase', expiresAt: '2027-11-10T12:00:00.000Z' });
    const retry = await server.call('POST', '/v1/purchases', { key: ws.key, body: { pack: 'pack-500' }, headers });
    expect(retry.body).toEqual(first.body);
    expect(await available(ws.key)).toBe(550);
  });

  it('refuses an unknown plan or pack with a message naming the field', async () => {
    const ws = await server.workspace(0, 'free');
    const plan = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'gold' } });
    expect(plan.status).toBe(400);
    expect(plan.body.error.details.field).toBe('plan');
    const pack = await server.call('POST', '/v1/purchases', { key: ws.key, body: { pack: 'pack-1' } });
    expect(pack.status).toBe(400);
    expect(pack.body.error.details.field).toBe('pack');
  });

  it('lets the operator change plans and record packs for any workspace, and only the operator', async () => {
    const ws = await server.workspace(0, 'free');
    const plan = await server.call('POST', `/v1/workspaces/${ws.id}/subscription`, {
      key: TEST_ADMIN_KEY,
      body: { plan: 'growth' },
    });
    expect(plan.body).toMatchObject({ change: 'upgrade', grant: { amount: 4950 } });
    const pack = await server.call('POST', `/v1/workspaces/${ws.id}/purchases`, {
      key: TEST_ADMIN_KEY,
      body: { pack: 'pack-2000', id: 'invoice-77' },
    });
    expect(pack.status).toBe(201);
    expect(pack.body.grant.id).toBe('purchase:manual:invoice-77');
    expect(await available(ws.key)).toBe(7000);
    const denied = await server.call('POST', `/v1/workspaces/${ws.id}/purchases`, {
      key: ws.key,
      body: { pack: 'pack-2000' },
    });
    expect(denied.status).toBe(403);
  });

  it('renews on request of the operator, and a workspace key may not ask', async () => {
    const ws = await server.workspace(0, 'starter');
    clock.set('2026-12-10T00:00:00Z');
    expect((await server.call('POST', '/v1/billing/renewals', { key: ws.key })).status).toBe(403);
    const run = await server.call('POST', '/v1/billing/renewals', { key: TEST_ADMIN_KEY });
    expect(run.body).toEqual({ renewed: 1, awaitingPayment: 0, adopted: 0 });
    expect(await available(ws.key)).toBe(1000);
  });

  it('has no Stripe webhook endpoint without Stripe keys', async () => {
    const res = await server.call('POST', '/v1/stripe/webhook', {
      body: '{}',
      headers: { 'stripe-signature': 't=1,v1=00' },
    });
    expect(res.status).toBe(404);
  });
});

import { afterEach, expect, it } from 'vitest';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET } from '../../../test/fakes/stripe-server.ts';
import { TestClock } from '../../../test/support/clock.ts';
import { serveEachTest, startServer, TEST_ADMIN_KEY, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { Catalog, DEFAULT_CATALOG } from '../../billing/catalog.ts';
import { createUser } from '../../users/users.ts';

describeStores('plans, subscription and purchases with TALLY_PAYMENTS=manual', (ctx) => {
  const { server, clock } = serveEachTest(ctx, {
    startsAt: '2026-11-10T12:00:00Z',
    catalog: new Catalog(DEFAULT_CATALOG),
    config: { payments: 'manual' },
  });
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

describeStores('payments off: the default without Stripe keys outside the demo', (ctx) => {
  let server: TestServer;
  afterEach(() => server.close());
  const start = async (config: { upgradeUrl?: string } = {}) => {
    server = await startServer(ctx.store, {
      clock: new TestClock('2026-11-10T12:00:00Z').now,
      catalog: new Catalog(DEFAULT_CATALOG),
      config,
    });
  };
  const state = async (key: string) => {
    const [balance, subscription] = await Promise.all([
      server.call('GET', '/v1/balance', { key }),
      server.call('GET', '/v1/subscription', { key }),
    ]);
    return { available: balance.body.available, plan: subscription.body.plan, pending: subscription.body.pendingPlan };
  };

  it('refuses a workspace key buying a pack or changing plan with 409 payments_not_configured, and changes nothing', async () => {
    await start();
    const ws = await server.workspace(0, 'free');
    const before = await state(ws.key);
    const headers = { 'idempotency-key': 'buy-1' };
    const pack = await server.call('POST', '/v1/purchases', { key: ws.key, body: { pack: 'pack-500' }, headers });
    expect(pack.status).toBe(409);
    expect(pack.body.error.code).toBe('payments_not_configured');
    expect(pack.body.error.message).toContain('TALLY_PAYMENTS=stripe');
    expect(pack.body.error.message).toContain('TALLY_PAYMENTS=manual');
    for (const plan of ['scale', 'free']) {
      const change = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan } });
      expect(change.status).toBe(409);
      expect(change.body.error.code).toBe('payments_not_configured');
    }
    expect(await state(ws.key)).toEqual(before);
    const grants = await server.call('GET', '/v1/ledger', { key: ws.key });
    expect(grants.body.lines.map((line: { grantId: string }) => line.grantId)).toEqual([
      'period:2026-11-10T00:00:00.000Z',
    ]);
  });

  it('refuses a dashboard session the same way', async () => {
    await start();
    const ws = await server.workspace(0, 'free');
    await createUser({
      ctx: server.app.ctx,
      input: { workspaceId: ws.id, email: 'owner@example.com', password: 'correct horse battery' },
    });
    const session = await server.call('POST', '/v1/session', {
      body: { email: 'owner@example.com', password: 'correct horse battery' },
    });
    const headers = {
      cookie: (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      'x-csrf-token': session.body.csrfToken as string,
    };
    const pack = await server.call('POST', '/v1/purchases', { headers, body: { pack: 'pack-500' } });
    expect(pack.status).toBe(409);
    expect(pack.body.error.code).toBe('payments_not_configured');
    const plan = await server.call('POST', '/v1/subscription', { headers, body: { plan: 'scale' } });
    expect(plan.body.error.code).toBe('payments_not_configured');
    expect(await state(ws.key)).toEqual({ available: 50, plan: 'free', pending: null });
  });

  it('still lets the operator change plans and grant packs, idempotently', async () => {
    await start();
    const ws = await server.workspace(0, 'free');
    const plan = await server.call('POST', `/v1/workspaces/${ws.id}/subscription`, {
      key: TEST_ADMIN_KEY,
      body: { plan: 'starter' },
    });
    expect(plan.body).toMatchObject({ change: 'upgrade', grant: { amount: 950 } });
    const body = { pack: 'pack-500', id: 'invoice-9' };
    const first = await server.call('POST', `/v1/workspaces/${ws.id}/purchases`, { key: TEST_ADMIN_KEY, body });
    const again = await server.call('POST', `/v1/workspaces/${ws.id}/purchases`, { key: TEST_ADMIN_KEY, body });
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await state(ws.key)).toEqual({ available: 1500, plan: 'starter', pending: null });
  });

  it('sends "Upgrade account" to TALLY_UPGRADE_URL and tells the upgrade page that payments are off', async () => {
    await start({ upgradeUrl: 'https://platform.example/billing' });
    const ws = await server.workspace(0, 'free');
    await server.call('POST', '/v1/responses/batch', {
      key: ws.key,
      body: {
        responses: Array.from({ length: 50 }, (_, i) => ({
          id: `r${i}`,
          conversationId: 'c1',
          channel: 'chat',
          agentId: 'a1',
        })),
      },
    });
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body).toMatchObject({
      available: 0,
      low: true,
      upgrade: { url: 'https://platform.example/billing' },
    });
    const options = await server.call('GET', '/v1/upgrade-options', { key: ws.key });
    expect(options.body).toMatchObject({ provider: 'off', upgradeUrl: 'https://platform.example/billing' });
  });
});

describeStores('the manual provider lists what it granted, for the operator to invoice', (ctx) => {
  it('lists packs the workspace bought apart from those the operator recorded, and the paid plans billed by hand', async () => {
    const clock = new TestClock('2026-11-10T12:00:00Z');
    const server = await startServer(ctx.store, {
      clock: clock.now,
      catalog: new Catalog(DEFAULT_CATALOG),
      config: { payments: 'manual' },
    });
    try {
      const ws = await server.workspace(0, 'free');
      const free = await server.workspace(0, 'free');
      await server.call('POST', '/v1/purchases', {
        key: ws.key,
        body: { pack: 'pack-500' },
        headers: { 'idempotency-key': 'buy-1' },
      });
      await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'growth' } });
      await server.call('POST', `/v1/workspaces/${ws.id}/purchases`, {
        key: TEST_ADMIN_KEY,
        body: { pack: 'pack-2000', id: 'invoice-77' },
      });
      expect((await server.call('GET', '/v1/billing/manual', { key: ws.key })).status).toBe(403);
      const listed = await server.call('GET', '/v1/billing/manual?from=2026-11-01T00:00:00Z', { key: TEST_ADMIN_KEY });
      expect(listed.status).toBe(200);
      expect(listed.body.purchases).toEqual([
        {
          workspaceId: ws.id,
          grantId: 'purchase:manual:buy-1',
          credits: 500,
          reason: '500 credits pack bought by the workspace, granted without payment (manual:buy-1): to invoice',
          at: '2026-11-10T12:00:00.000Z',
        },
        {
          workspaceId: ws.id,
          grantId: 'purchase:manual:invoice-77',
          credits: 2000,
          reason: '2,000 credits pack recorded by the operator (manual:invoice-77)',
          at: '2026-11-10T12:00:00.000Z',
        },
      ]);
      expect(listed.body.plans).toEqual([
        {
          workspaceId: ws.id,
          plan: expect.objectContaining({ id: 'growth', monthlyPrice: 99 }),
          currentPeriod: { start: '2026-11-10T00:00:00.000Z', end: '2026-12-10T00:00:00.000Z' },
        },
      ]);
      expect(listed.body.plans.map((row: { workspaceId: string }) => row.workspaceId)).not.toContain(free.id);
    } finally {
      await server.close();
    }
  });
});

describeStores('Stripe keys set, TALLY_PAYMENTS=manual: the operator chose to bill by hand', (ctx) => {
  it('grants a pack at once without Checkout, and still verifies Stripe webhooks for subscriptions Stripe bills', async () => {
    const server = await startServer(ctx.store, {
      catalog: new Catalog(DEFAULT_CATALOG),
      config: {
        payments: 'manual',
        stripeApiUrl: 'http://127.0.0.1:9',
        stripeSecretKey: FAKE_STRIPE_SECRET_KEY,
        stripeWebhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
      },
    });
    try {
      const ws = await server.workspace(0, 'free');
      const pack = await server.call('POST', '/v1/purchases', { key: ws.key, body: { pack: 'pack-500' } });
      expect(pack.status).toBe(201);
      expect(pack.body.grant).toMatchObject({ amount: 500, source: 'purchase' });
      const options = await server.call('GET', '/v1/upgrade-options', { key: ws.key });
      expect(options.body.provider).toBe('manual');
      const webhook = await server.call('POST', '/v1/stripe/webhook', {
        body: '{}',
        headers: { 'stripe-signature': 't=1,v1=00' },
      });
      expect(webhook.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { Catalog, type CatalogData } from '../../src/billing/catalog.ts';
import { verifyLedger } from '../../src/ledger/verify-ledger.ts';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, FakeStripe } from '../fakes/stripe-server.ts';
import { TestClock } from '../support/clock.ts';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../support/http.ts';
import { describeStores } from '../support/stores.ts';

/** Small allocations so the walk spends them with a few batches: Free 50, Pro 500 (rollover up to 250, overage 10). */
const WALK_CATALOG: CatalogData = {
  plans: [
    {
      id: 'free',
      name: 'Free',
      monthlyPrice: 0,
      currency: 'usd',
      creditsPerPeriod: 50,
      agents: 1,
      rollover: { kind: 'expire' },
      overageLimit: 0,
    },
    {
      id: 'pro',
      name: 'Pro',
      monthlyPrice: 49,
      currency: 'usd',
      creditsPerPeriod: 500,
      agents: 5,
      rollover: { kind: 'rollover', cap: 250 },
      overageLimit: 10,
    },
  ],
  packs: [{ id: 'pack-100', name: '100 credits', credits: 100, price: 5, currency: 'usd', validityMonths: 6 }],
};

/**
 * A workspace's life as the customer, the agent runtime, Stripe and the operator see it, over real
 * HTTP: free plan → upgrade through (fake) Stripe Checkout → three renewals on a simulated clock →
 * a pack → depleted (402) → top-up. Each step is a function so checks (e.g. low-credit webhooks) can
 * be added beside the step they belong to.
 */
describeStores('billing walk: free → Stripe upgrade → renewals → pack → depleted → top-up', (ctx) => {
  let clock: TestClock;
  let stripe: FakeStripe;
  let server: TestServer;
  beforeEach(async () => {
    clock = new TestClock('2026-11-10T12:00:00Z');
    stripe = await FakeStripe.start({ now: clock.now });
    server = await startServer(ctx.store, {
      clock: clock.now,
      catalog: new Catalog(WALK_CATALOG),
      config: {
        stripeApiUrl: stripe.url,
        stripeSecretKey: FAKE_STRIPE_SECRET_KEY,
        stripeWebhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
      },
    });
    stripe.webhookUrl = `${server.url}/v1/stripe/webhook`;
  });
  afterEach(async () => {
    await stripe.stop();
    await server.close();
  });

  it('walks a workspace through its billing life', async () => {
    // The operator creates the workspace on the free plan and gives the customer a key.
    const created = await server.call('POST', '/v1/workspaces', {
      key: TEST_ADMIN_KEY,
      body: { name: 'Voice Co', plan: 'free' },
    });
    expect(created.status).toBe(201);
    const issued = await server.call('POST', `/v1/workspaces/${created.body.id}/keys`, {
      key: TEST_ADMIN_KEY,
      body: { scopes: ['ingest', 'read', 'admin'] },
    });
    const key: string = issued.body.key;
    const balance = async () => (await server.call('GET', '/v1/balance', { key })).body;
    let responses = 0;
    /** The agent runtime records `count` responses of 1 credit each; answers the statuses. */
    const spend = async (count: number): Promise<number[]> => {
      const statuses: number[] = [];
      for (let left = count; left > 0; left -= 1000) {
        const batch = Array.from({ length: Math.min(left, 1000) }, () => ({
          id: `r${++responses}`,
          conversationId: `c${Math.floor(responses / 10)}`,
          channel: 'call',
          agentId: 'reception',
        }));
        const reply = await server.call('POST', '/v1/responses/batch', { key, body: { responses: batch } });
        statuses.push(...reply.body.results.map((r: { status: number }) => r.status));
      }
      return statuses;
    };
    /** The customer pays on the (fake) hosted Checkout page and is sent back to the dashboard. */
    const pay = async (checkoutUrl: string) => {
      const page = await fetch(checkoutUrl, { method: 'POST', redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toMatch(/\/upgrade\?checkout=success&session_id=cs_test_/);
    };
    const renew = async () => (await server.call('POST', '/v1/billing/renewals', { key: TEST_ADMIN_KEY })).body;

    // 1. Free plan: the first period's 50 credits.
    expect(await balance()).toMatchObject({ available: 50, agents: { used: 0, allowed: 1 } });
    expect(await spend(20)).toEqual(Array(20).fill(201));

    // 2. Upgrade through Stripe Checkout: the upgrade page offers Pro; paying it changes the plan at once.
    const options = await server.call('GET', '/v1/upgrade-options', { key });
    expect(options.body.plans.map((p: { id: string }) => p.id)).toEqual(['pro']);
    const checkout = await server.call('POST', '/v1/subscription', { key, body: { plan: 'pro' } });
    expect(checkout.body.checkoutUrl).toBeTypeOf('string');
    expect(await balance()).toMatchObject({ available: 30 });
    await pay(checkout.body.checkoutUrl);
    expect(stripe.deliveries.map((d) => [d.type, d.status])).toEqual([
      ['checkout.session.completed', 200],
      ['invoice.paid', 200],
    ]);
    // The difference between the allocations (450) for the rest of the period.
    expect(await balance()).toMatchObject({ available: 480, period: { granted: 500 }, agents: { allowed: 5 } });
    const [subscriptionId = ''] = stripe.subscriptions.keys();

    // 3. Three renewals: Tally's periods start on the 10th at midnight; Stripe bills the 10th at noon.
    clock.set('2026-12-10T00:00:00Z');
    expect(await renew()).toMatchObject({ renewed: 1 });
    // 480 unused roll over up to the cap of 250.
    expect(await balance()).toMatchObject({
      available: 750,
      period: { start: '2026-12-10T00:00:00.000Z', granted: 750 },
    });
    clock.set('2026-12-10T12:00:00Z');
    await stripe.renew(subscriptionId);
    expect(await spend(600)).toEqual(Array(600).fill(201));

    clock.set('2027-01-10T00:00:00Z');
    expect(await renew()).toMatchObject({ renewed: 1 });
    // 150 were left: all roll over.
    expect(await balance()).toMatchObject({ available: 650 });
    clock.set('2027-01-10T12:00:00Z');
    await stripe.renew(subscriptionId);

    clock.set('2027-02-10T00:00:00Z');
    expect(await renew()).toMatchObject({ renewed: 1 });
    expect(await balance()).toMatchObject({ available: 750 });
    expect(await renew()).toMatchObject({ renewed: 0 });
    clock.set('2027-02-10T12:00:00Z');
    await stripe.renew(subscriptionId);

    // 4. A pack bought through Checkout.
    const packCheckout = await server.call('POST', '/v1/purchases', { key, body: { pack: 'pack-100' } });
    await pay(packCheckout.body.checkoutUrl);
    expect(await balance()).toMatchObject({ available: 850 });

    // 5. Depleted: the credits and then the plan's overage of 10 are spent; the next response is refused.
    const statuses = await spend(860);
    expect(statuses.filter((s) => s === 201)).toHaveLength(860);
    const refused = await server.call('POST', '/v1/responses', {
      key,
      body: { id: 'after-depletion', conversationId: 'c-last', channel: 'call', agentId: 'reception' },
    });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('insufficient_credits');
    expect(await balance()).toMatchObject({ available: -10, low: true, upgrade: { url: '/upgrade' } });

    // 6. Top-up: another pack repays the overage first, and the agents may respond again.
    const topUp = await server.call('POST', '/v1/purchases', { key, body: { pack: 'pack-100' } });
    await pay(topUp.body.checkoutUrl);
    expect(await balance()).toMatchObject({ available: 90 });
    const again = await server.call('POST', '/v1/responses', {
      key,
      body: { id: 'after-top-up', conversationId: 'c-last', channel: 'call', agentId: 'reception' },
    });
    expect(again.status).toBe(201);

    // Every Stripe event was accepted once; the books balance.
    expect(stripe.deliveries.every((d) => d.status === 200)).toBe(true);
    expect((await verifyLedger({ ctx: server.app.ctx })).differences).toEqual([]);
  });
});

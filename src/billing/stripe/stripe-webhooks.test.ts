import { expect, it } from 'vitest';
import { parseStripeForm } from '../../../test/fakes/stripe-server.ts';
import { DAY } from '../../../test/support/clock.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { sessionIdOf, stripeEachTest } from '../../../test/support/stripe.ts';
import { renewDue } from '../renewals.ts';

describeStores('payments through Stripe', (ctx) => {
  const { bed, clock } = stripeEachTest(ctx, '2026-11-10T12:00:00Z');
  const available = async (key: string) => (await bed.server.call('GET', '/v1/balance', { key })).body.available;
  const buy = (key: string, pack: string) => bed.server.call('POST', '/v1/purchases', { key, body: { pack } });

  it('sells a pack through Checkout and grants it when the paid session arrives, once', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const started = await buy(ws.key, 'pack-2000');
    expect(started.status).toBe(200);
    expect(started.body.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);
    const sent = bed.stripe.requests.find((r) => r.path === '/v1/checkout/sessions');
    expect(sent?.params).toMatchObject({
      mode: 'payment',
      client_reference_id: ws.id,
      line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '5000' } }],
      metadata: { tally_workspace: ws.id, tally_pack: 'pack-2000', tally_millicredits: '2000000' },
    });
    expect(await available(ws.key)).toBe(50);

    await bed.stripe.pay(sessionIdOf(started.body.checkoutUrl));
    expect(bed.stripe.deliveries.map((d) => [d.type, d.status])).toEqual([['checkout.session.completed', 200]]);
    expect(await available(ws.key)).toBe(2050);

    const [delivery] = bed.stripe.deliveries;
    await bed.stripe.redeliver(delivery?.eventId ?? '');
    expect(JSON.parse(bed.stripe.deliveries[1]?.body ?? '{}')).toMatchObject({ duplicate: true });
    expect(await available(ws.key)).toBe(2050);
  });

  it('refuses an event whose signature does not verify, and changes nothing', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const started = await buy(ws.key, 'pack-500');
    bed.stripe.webhookUrl = null;
    await bed.stripe.pay(sessionIdOf(started.body.checkoutUrl));
    const [event] = bed.stripe.events.values();
    const payload = JSON.stringify(event);
    const post = (body: string, signature: string) =>
      bed.server.call('POST', '/v1/stripe/webhook', { body, headers: { 'stripe-signature': signature } });

    const forged = await post(payload, bed.stripe.signature(payload, 'whsec_not_the_secret'));
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('invalid_request');
    const tampered = await post(payload.replace('"paid"', '"paid" '), bed.stripe.signature(payload));
    expect(tampered.status).toBe(400);
    const stale = await post(payload, bed.stripe.signature(payload, undefined, new Date(clock.now().getTime() - DAY)));
    expect(stale.status).toBe(400);
    expect((await post(payload, '')).status).toBe(400);
    expect(await available(ws.key)).toBe(50);

    // The same bytes, signed as Stripe signs them, are accepted.
    const genuine = await post(payload, bed.stripe.signature(payload));
    expect(genuine.status).toBe(200);
    expect(await available(ws.key)).toBe(550);
  });

  it('upgrades through a subscription Checkout, also when the first invoice arrives before the session', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const started = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'growth' } });
    expect(started.body).toMatchObject({ subscription: { plan: 'free' } });
    expect(bed.stripe.requests.at(-1)?.params).toMatchObject({
      mode: 'subscription',
      line_items: [{ price_data: { unit_amount: '9900', recurring: { interval: 'month' } } }],
      subscription_data: { metadata: { tally_plan: 'growth', tally_workspace: ws.id } },
    });
    await bed.stripe.pay(sessionIdOf(started.body.checkoutUrl), { invoiceFirst: true });
    expect(bed.stripe.deliveries.map((d) => d.status)).toEqual([200, 200]);
    const subscription = (await bed.server.call('GET', '/v1/subscription', { key: ws.key })).body;
    expect(subscription).toMatchObject({
      plan: 'growth',
      provider: 'stripe',
      paidThrough: '2026-12-10T12:00:00.000Z',
    });
    expect(await available(ws.key)).toBe(5000);
  });

  it('holds a paid period back while Stripe cannot collect, and grants it when the invoice is paid', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const started = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    await bed.stripe.pay(sessionIdOf(started.body.checkoutUrl));
    const [subscriptionId] = bed.stripe.subscriptions.keys();

    // Tally's next period starts on the 10th at midnight, inside the paid month: granted.
    clock.set('2026-12-10T00:00:00Z');
    await renewDue({ ctx: bed.server.app.ctx });
    expect(await available(ws.key)).toBe(1000);

    // Stripe fails to collect for the month from 10 December noon; Tally's 10 January period waits.
    clock.set('2026-12-10T12:00:00Z');
    await bed.stripe.renew(subscriptionId ?? '', { fail: true });
    clock.set('2027-01-10T00:00:00Z');
    expect(await renewDue({ ctx: bed.server.app.ctx })).toMatchObject({ renewed: 0, awaitingPayment: 1 });
    expect((await bed.server.call('GET', '/v1/subscription', { key: ws.key })).body.status).toBe('past_due');
    expect(await available(ws.key)).toBe(0);

    clock.set('2027-01-11T00:00:00Z');
    await bed.stripe.renew(subscriptionId ?? '');
    expect(await available(ws.key)).toBe(1000);
    const subscription = (await bed.server.call('GET', '/v1/subscription', { key: ws.key })).body;
    expect(subscription).toMatchObject({ status: 'active', currentPeriod: { start: '2027-01-10T00:00:00.000Z' } });
  });

  it('cancels the replaced Stripe subscription on a second upgrade, and its deletion changes nothing', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const first = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    await bed.stripe.pay(sessionIdOf(first.body.checkoutUrl));
    const second = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'growth' } });
    await bed.stripe.pay(sessionIdOf(second.body.checkoutUrl));
    const [oldId, newId] = bed.stripe.subscriptions.keys();
    expect(bed.stripe.subscriptions.get(oldId ?? '')?.object.status).toBe('canceled');
    expect(bed.stripe.deliveries.find((d) => d.type === 'customer.subscription.deleted')?.body).toContain(
      'ignored: replaced on upgrade',
    );
    const subscription = (await bed.server.call('GET', '/v1/subscription', { key: ws.key })).body;
    expect(subscription).toMatchObject({ plan: 'growth', pendingPlan: null, provider: 'stripe' });
    expect(bed.stripe.subscriptions.get(newId ?? '')?.object.status).toBe('active');
    expect(await available(ws.key)).toBe(5000);
  });

  it('moves a workspace to the free plan at the next period when its Stripe subscription ends', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const started = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    await bed.stripe.pay(sessionIdOf(started.body.checkoutUrl));
    const down = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'free' } });
    expect(down.body).toMatchObject({ change: 'downgrade', subscription: { pendingPlan: 'free' } });
    const [subscriptionId] = bed.stripe.subscriptions.keys();
    const update = bed.stripe.requests.find(
      (r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}`,
    );
    expect(update?.params).toEqual({ cancel_at_period_end: 'true' });
    clock.set('2026-12-10T00:00:00Z');
    await renewDue({ ctx: bed.server.app.ctx });
    expect((await bed.server.call('GET', '/v1/subscription', { key: ws.key })).body.plan).toBe('free');
    expect(await available(ws.key)).toBe(50);
  });

  it("answers 502 payment_provider_error when Stripe refuses, with Stripe's message", async () => {
    const ws = await bed.server.workspace(0, 'free');
    bed.stripe.failNext = {
      status: 400,
      type: 'invalid_request_error',
      code: 'parameter_invalid_integer',
      message: 'Invalid integer: abc',
    };
    const res = await buy(ws.key, 'pack-500');
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: 'payment_provider_error',
      details: { stripeCode: 'parameter_invalid_integer' },
    });
    expect(res.body.error.message).toContain('Invalid integer: abc');
  });

  it('decodes form bodies the way Stripe does', () => {
    expect(parseStripeForm('a[b][0][c]=x&a[b][1][c]=y&d=1')).toEqual({ a: { b: [{ c: 'x' }, { c: 'y' }] }, d: '1' });
  });
});

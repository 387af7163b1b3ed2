import { afterEach, beforeEach, expect, it } from 'vitest';
import { TEST_CARDS } from '../../../test/fakes/stripe-payment-intents.ts';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, FakeStripe } from '../../../test/fakes/stripe-server.ts';
import { available, grant, SMALL_PACK_CATALOG, setAutoTopUp } from '../../../test/support/auto-top-up.ts';
import { TestClock } from '../../../test/support/clock.ts';
import { chargeChats, startServer, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { sessionIdOf } from '../../../test/support/stripe.ts';
import { payDue } from './payer.ts';

const RETURN_URL = 'http://127.0.0.1:9/upgrade';

describeStores('auto top-up paid with Stripe', (ctx) => {
  let server: TestServer;
  let stripe: FakeStripe;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock('2026-11-20T12:00:00Z');
    stripe = await FakeStripe.start({ now: clock.now });
    server = await startServer(ctx.store, {
      clock: clock.now,
      catalog: SMALL_PACK_CATALOG,
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

  /** A workspace that bought a plan through Checkout, so Stripe holds its card; returns the Stripe customer too. */
  async function customerWorkspace(credits: number) {
    const ws = await server.workspace(credits);
    const checkout = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    const sessionId = sessionIdOf(checkout.body.checkoutUrl);
    await stripe.pay(sessionId);
    const customer = String(stripe.sessions.get(sessionId)?.object.customer);
    return { ...ws, customer };
  }

  const pay = async () => {
    const round = await payDue({ ctx: server.app.ctx, input: { returnUrl: RETURN_URL } });
    await stripe.settled();
    return round;
  };

  /**
   * A customer with 10 credits and auto top-up at 5, paying with `card` (else the card its Checkout
   * saved), after six chats crossed the threshold and the payer ran.
   */
  async function crossedThreshold(card?: string) {
    const ws = await customerWorkspace(10);
    if (card) stripe.paymentIntents.saveCard(ws.customer, card);
    await setAutoTopUp(server, ws.key, { threshold: 5 });
    await chargeChats(server, ws.key, 6);
    await pay();
    return ws;
  }

  const last = async (key: string) => (await server.call('GET', '/v1/auto-top-up', { key })).body.last;
  const paymentIntentRequests = () => stripe.requests.filter((r) => r.path === '/v1/payment_intents');
  const events = async (type: string) =>
    (await ctx.store.db.selectFrom('webhook_events').select('data').where('type', '=', type).execute()).map((e) =>
      JSON.parse(e.data),
    );

  it('charges the saved card off-session and grants the pack once Stripe confirms the payment', async () => {
    const ws = await crossedThreshold();
    const [request] = paymentIntentRequests();
    const attemptId = (await events('auto_top_up.succeeded'))[0]?.attemptId;
    expect(request?.params).toMatchObject({
      amount: '100',
      currency: 'usd',
      customer: ws.customer,
      payment_method: TEST_CARDS.visa,
      off_session: 'true',
      confirm: 'true',
    });
    expect(request?.idempotencyKey).toBe(attemptId);
    expect(await available(server, ws.key)).toBe(9);
    expect(await last(ws.key)).toMatchObject({ status: 'succeeded', grantId: `auto-top-up:${attemptId}` });

    const succeeded = [...stripe.events.values()].find((event) => event.type === 'payment_intent.succeeded');
    await stripe.redeliver(String(succeeded?.id));
    expect(await available(server, ws.key)).toBe(9);
    expect(await events('auto_top_up.succeeded')).toHaveLength(1);
  });

  it('shows a declined card in last, sends auto_top_up.failed once, and does not retry until a new crossing', async () => {
    const ws = await crossedThreshold(TEST_CARDS.declined);
    expect(await last(ws.key)).toMatchObject({ status: 'failed', error: 'Your card was declined.' });
    expect(await events('auto_top_up.failed')).toEqual([
      { attemptId: expect.stringMatching(/^atu_/), pack: 'pack-5', error: 'Your card was declined.' },
    ]);

    await chargeChats(server, ws.key, 2);
    expect(await pay()).toEqual({ claimed: 0, unreachable: 0 });
    expect(paymentIntentRequests()).toHaveLength(1);
    expect(await available(server, ws.key)).toBe(2);

    stripe.paymentIntents.saveCard(ws.customer, TEST_CARDS.visa);
    await grant(server, ws.id, 'more', 5);
    await chargeChats(server, ws.key, 3);
    await pay();
    expect(paymentIntentRequests()).toHaveLength(2);
    expect(await available(server, ws.key)).toBe(9);
    expect(await last(ws.key)).toMatchObject({ status: 'succeeded' });
  });

  it('turns a card that needs authentication into requires_action with a Checkout link that buys the pack', async () => {
    const ws = await crossedThreshold(TEST_CARDS.authenticationRequired);

    const shown = await last(ws.key);
    expect(shown).toMatchObject({
      status: 'requires_action',
      actionUrl: expect.stringContaining(`${stripe.url}/c/pay/`),
    });
    const [failed] = await events('auto_top_up.failed');
    expect(failed).toMatchObject({ pack: 'pack-5', actionUrl: shown.actionUrl });

    await stripe.pay(sessionIdOf(shown.actionUrl));
    expect(await available(server, ws.key)).toBe(9);
  });

  it('fails an attempt for a workspace with no saved card, without calling Stripe to pay', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5 });
    await chargeChats(server, ws.key, 6);
    await pay();
    expect(await last(ws.key)).toMatchObject({ status: 'failed', error: expect.stringContaining('No saved card') });
    expect(paymentIntentRequests()).toHaveLength(0);
  });

  it('grants nothing for a payment_intent.succeeded that Stripe did not sign', async () => {
    const ws = await crossedThreshold(TEST_CARDS.declined);
    const failed = [...stripe.events.values()].find((event) => event.type === 'payment_intent.payment_failed');
    const forged = JSON.stringify({ ...failed, id: 'evt_forged', type: 'payment_intent.succeeded' });
    const res = await fetch(`${server.url}/v1/stripe/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stripe.signature(forged, 'whsec_not_stripes'),
      },
      body: forged,
    });
    expect(res.status).toBe(400);
    expect(await available(server, ws.key)).toBe(4);
    expect(await last(ws.key)).toMatchObject({ status: 'failed' });
  });
});

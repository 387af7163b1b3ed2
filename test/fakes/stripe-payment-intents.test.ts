import { Stripe } from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from './stripe-payment-intents.ts';
import { FAKE_STRIPE_SECRET_KEY, FakeStripe } from './stripe-server.ts';

/** The fake's PaymentIntents, driven through the official SDK as Tally drives them. */
describe('the fake Stripe speaks PaymentIntents', () => {
  let fake: FakeStripe;
  let client: Stripe;
  const customer = 'cus_fakecustomer0001';
  beforeAll(async () => {
    fake = await FakeStripe.start();
    const url = new URL(fake.url);
    client = new Stripe(FAKE_STRIPE_SECRET_KEY, {
      host: url.hostname,
      port: url.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    fake.paymentIntents.saveCard(customer, TEST_CARDS.visa);
  });
  afterAll(() => fake.stop());

  const offSession = (overrides: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
    client.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      customer,
      payment_method: TEST_CARDS.visa,
      off_session: true,
      confirm: true,
      ...overrides,
    });

  it('lists the saved card and takes an off-session payment with it', async () => {
    const cards = await client.customers.listPaymentMethods(customer, { type: 'card', limit: 1 });
    expect(cards.data.map((card) => card.id)).toEqual([TEST_CARDS.visa]);
    const intent = await offSession();
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount_received: 1500 });
  });

  it('refuses what Stripe refuses: off_session without confirm, a card of another customer, a tiny amount', async () => {
    await expect(offSession({ confirm: false })).rejects.toMatchObject({ param: 'off_session' });
    await expect(offSession({ payment_method: 'pm_someone_else' })).rejects.toMatchObject({ param: 'payment_method' });
    await expect(offSession({ amount: 10 })).rejects.toMatchObject({ code: 'amount_too_small' });
    await expect(offSession({ customer: 'cus_nobody' })).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('answers a declined card and one needing authentication with a card_error holding the PaymentIntent', async () => {
    fake.paymentIntents.saveCard(customer, TEST_CARDS.declined);
    const declined = await offSession({ payment_method: TEST_CARDS.declined }).catch((error: unknown) => error);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ code: 'card_declined', payment_intent: { status: 'requires_payment_method' } });

    fake.paymentIntents.saveCard(customer, TEST_CARDS.authenticationRequired);
    const needsAuth = await offSession({ payment_method: TEST_CARDS.authenticationRequired }).catch(
      (error: unknown) => error,
    );
    expect(needsAuth).toMatchObject({
      code: 'authentication_required',
      payment_intent: { last_payment_error: { code: 'authentication_required' } },
    });
    expect([...fake.events.values()].map((event) => event.type)).toEqual([
      'payment_intent.succeeded',
      'payment_intent.payment_failed',
      'payment_intent.payment_failed',
    ]);
  });
});

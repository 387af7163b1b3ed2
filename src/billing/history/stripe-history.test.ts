import { expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { sessionIdOf, stripeEachTest } from '../../../test/support/stripe.ts';

describeStores('billing history of a workspace Stripe bills', (ctx) => {
  const { bed, clock } = stripeEachTest(ctx, '2026-11-10T12:00:00Z');

  it('lists what Stripe took with its receipt or invoice, beside the credits each payment granted', async () => {
    const ws = await bed.server.workspace(0, 'free');
    const pack = await bed.server.call('POST', '/v1/purchases', { key: ws.key, body: { pack: 'pack-2000' } });
    await bed.stripe.pay(sessionIdOf(pack.body.checkoutUrl));
    clock.advance(DAY);
    const plan = await bed.server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'growth' } });
    await bed.stripe.pay(sessionIdOf(plan.body.checkoutUrl));

    const history = await bed.server.call('GET', '/v1/billing/history', { key: ws.key });
    expect(history.status).toBe(200);
    const payments = history.body.items.filter((e: { kind: string }) => e.kind === 'payment');
    expect(payments).toEqual([
      {
        id: expect.stringMatching(/^in_/),
        at: '2026-11-11T12:00:00.000Z',
        kind: 'payment',
        description: 'Growth plan, subscription',
        credits: 0,
        amount: { value: 99, currency: 'usd' },
        documentUrl: expect.stringMatching(new RegExp(`^${bed.stripe.url}/invoices/in_`)),
      },
      {
        id: expect.stringMatching(/^cs_test_/),
        at: '2026-11-10T12:00:00.000Z',
        kind: 'payment',
        description: '2,000 credits pack',
        credits: 0,
        amount: { value: 50, currency: 'usd' },
        documentUrl: expect.stringMatching(new RegExp(`^${bed.stripe.url}/receipts/ch_`)),
      },
    ]);
    expect(history.body.items.map((e: { kind: string }) => e.kind)).toEqual([
      'payment',
      'plan_change',
      'payment',
      'purchase',
      'renewal',
    ]);

    // A redelivered event records its payment no second time.
    for (const delivery of [...bed.stripe.deliveries]) await bed.stripe.redeliver(delivery.eventId);
    const again = await bed.server.call('GET', '/v1/billing/history', { key: ws.key });
    expect(again.body.items).toEqual(history.body.items);
  });
});

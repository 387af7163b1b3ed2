import { afterEach, beforeEach } from 'vitest';
import { Catalog, DEFAULT_CATALOG } from '../../src/billing/catalog.ts';
import type { Store } from '../../src/store/store.ts';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, FakeStripe } from '../fakes/stripe-server.ts';
import { TestClock } from './clock.ts';
import { startServer, type TestServer } from './http.ts';

export interface StripeTestBed {
  server: TestServer;
  stripe: FakeStripe;
  close(): Promise<void>;
}

/** Tally with the default catalog and Stripe pointed at the local fake, which posts its events back to Tally. */
export async function startWithStripe(store: Store, clock: TestClock): Promise<StripeTestBed> {
  const stripe = await FakeStripe.start({ now: clock.now });
  const server = await startServer(store, {
    clock: clock.now,
    catalog: new Catalog(DEFAULT_CATALOG),
    config: {
      stripeApiUrl: stripe.url,
      stripeSecretKey: FAKE_STRIPE_SECRET_KEY,
      stripeWebhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
    },
  });
  stripe.webhookUrl = `${server.url}/v1/stripe/webhook`;
  return {
    server,
    stripe,
    async close() {
      await stripe.stop();
      await server.close();
    },
  };
}

/** startWithStripe before each test, with `clock` set to `startsAt`, closed after it; `bed` is the running test's. */
export function stripeEachTest(ctx: { store: Store }, startsAt: string): { bed: StripeTestBed; clock: TestClock } {
  const clock = new TestClock();
  let running: StripeTestBed | undefined;
  beforeEach(async () => {
    clock.set(startsAt);
    running = await startWithStripe(ctx.store, clock);
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  const current = (): StripeTestBed => {
    if (!running) throw new Error('no Stripe test bed outside a test');
    return running;
  };
  const bed: StripeTestBed = {
    get server() {
      return current().server;
    },
    get stripe() {
      return current().stripe;
    },
    close: () => current().close(),
  };
  return { bed, clock };
}

/** The Checkout Session id at the end of a checkout URL the fake made. */
export const sessionIdOf = (checkoutUrl: string): string => checkoutUrl.slice(checkoutUrl.lastIndexOf('/') + 1);

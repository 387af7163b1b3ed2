import { Catalog, DEFAULT_CATALOG } from '../../src/billing/catalog.ts';
import type { Store } from '../../src/store/store.ts';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, FakeStripe } from '../fakes/stripe-server.ts';
import type { TestClock } from './clock.ts';
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

/** The Checkout Session id at the end of a checkout URL the fake made. */
export const sessionIdOf = (checkoutUrl: string): string => checkoutUrl.slice(checkoutUrl.lastIndexOf('/') + 1);

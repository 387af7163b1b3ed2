import { Stripe } from 'stripe';
import { TallyError } from '../../domain/errors.ts';
import type { Pack, Plan } from '../catalog.ts';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** TALLY_STRIPE_API_URL: Stripe's API by default; tests and the demo point it at the local fake. */
  apiUrl: string | null;
}

export interface CheckoutStarted {
  sessionId: string;
  url: string;
}

/** Metadata Tally puts on what it asks Stripe to sell, and reads back from Stripe's events. */
export const META = {
  workspace: 'tally_workspace',
  kind: 'tally_kind',
  plan: 'tally_plan',
  pack: 'tally_pack',
  packName: 'tally_pack_name',
  credits: 'tally_millicredits',
  validityMonths: 'tally_validity_months',
} as const;

/** Marks a subscription Tally ended because a new one replaced it, so its deletion event changes nothing. */
export const REPLACED_COMMENT = 'Replaced by a new Tally subscription (upgrade).';

/** Amounts in the catalog are in currency units; Stripe counts the smallest unit (cents). */
export const minorUnits = (price: number): number => Math.round(price * 100);

export function clientOptions(apiUrl: string | null): Stripe.StripeConfig {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 10_000, telemetry: false };
  if (!apiUrl) return options;
  const url = new URL(apiUrl);
  return {
    ...options,
    host: url.hostname,
    port: url.port || (url.protocol === 'http:' ? 80 : 443),
    protocol: url.protocol === 'http:' ? 'http' : 'https',
  };
}

/** Stripe's failures are Tally's upstream failures: a 502 that says what Stripe said. */
export async function calling<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      throw new TallyError('payment_provider_error', `Stripe could not ${what}: ${error.message}`, {
        stripeCode: error.code ?? error.type,
      });
    }
    throw error;
  }
}

/** Tally's calls to Stripe, through the official SDK: Checkout Sessions, and keeping subscriptions in step with plans. */
export class StripePayments {
  private readonly client: Stripe;

  constructor(private readonly settings: StripeSettings) {
    this.client = new Stripe(settings.secretKey, clientOptions(settings.apiUrl));
  }

  async checkoutForPlan(input: {
    workspaceId: string;
    plan: Plan;
    customerId: string | null;
    returnUrl: string;
    idempotencyKey?: string;
  }): Promise<CheckoutStarted> {
    const { plan, workspaceId } = input;
    const metadata = { [META.workspace]: workspaceId, [META.kind]: 'subscription', [META.plan]: plan.id };
    const session = await calling('start a checkout', () =>
      this.client.checkout.sessions.create(
        {
          mode: 'subscription',
          line_items: [
            plan.stripePriceId
              ? { price: plan.stripePriceId, quantity: 1 }
              : {
                  quantity: 1,
                  price_data: {
                    currency: plan.currency,
                    unit_amount: minorUnits(plan.monthlyPrice),
                    recurring: { interval: 'month' },
                    product_data: { name: `${plan.name} plan` },
                  },
                },
          ],
          client_reference_id: workspaceId,
          ...(input.customerId ? { customer: input.customerId } : {}),
          metadata,
          subscription_data: { metadata },
          ...returnUrls(input.returnUrl),
        },
        input.idempotencyKey ? { idempotencyKey: `plan:${workspaceId}:${input.idempotencyKey}` } : undefined,
      ),
    );
    return started(session);
  }

  async checkoutForPack(input: {
    workspaceId: string;
    pack: Pack;
    credits: number;
    customerId: string | null;
    returnUrl: string;
    idempotencyKey?: string;
  }): Promise<CheckoutStarted> {
    const { pack, workspaceId } = input;
    const session = await calling('start a checkout', () =>
      this.client.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            pack.stripePriceId
              ? { price: pack.stripePriceId, quantity: 1 }
              : {
                  quantity: 1,
                  price_data: {
                    currency: pack.currency,
                    unit_amount: minorUnits(pack.price),
                    product_data: { name: pack.name },
                  },
                },
          ],
          client_reference_id: workspaceId,
          ...(input.customerId ? { customer: input.customerId } : {}),
          metadata: {
            [META.workspace]: workspaceId,
            [META.kind]: 'pack',
            [META.pack]: pack.id,
            [META.packName]: pack.name,
            [META.credits]: String(input.credits),
            [META.validityMonths]: String(pack.validityMonths),
          },
          ...returnUrls(input.returnUrl),
        },
        input.idempotencyKey ? { idempotencyKey: `pack:${workspaceId}:${input.idempotencyKey}` } : undefined,
      ),
    );
    return started(session);
  }

  /** The receipt of a PaymentIntent's charge, for the billing history; null when there is none. */
  async receiptUrl(paymentIntentId: string | null): Promise<string | null> {
    if (!paymentIntentId) return null;
    const intent = await calling('read the payment', () =>
      this.client.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }),
    );
    const charge = intent.latest_charge;
    return typeof charge === 'object' && charge ? (charge.receipt_url ?? null) : null;
  }

  /** Where the subscription's paid service period ends (Stripe keeps it per subscription item). */
  async paidThrough(subscriptionId: string): Promise<Date | null> {
    const subscription = await calling('read the subscription', () =>
      this.client.subscriptions.retrieve(subscriptionId),
    );
    const end = subscription.items.data[0]?.current_period_end;
    return end ? new Date(end * 1000) : null;
  }

  /** Ends a subscription that a new one replaces, crediting its unused time to the customer. Already gone is fine. */
  async cancel(subscriptionId: string): Promise<void> {
    try {
      await this.client.subscriptions.cancel(subscriptionId, {
        prorate: true,
        cancellation_details: { comment: REPLACED_COMMENT },
      });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return;
      return calling('cancel the replaced subscription', () => Promise.reject(error));
    }
  }

  /**
   * Makes Stripe bill `plan` from its next invoice on, without proration: a downgrade takes effect at
   * the next period, and so does its price. A free plan ends the Stripe subscription at its period end.
   */
  async renewOn(subscriptionId: string, plan: Plan): Promise<void> {
    if (plan.monthlyPrice <= 0) {
      await calling('schedule the cancellation', () =>
        this.client.subscriptions.update(subscriptionId, { cancel_at_period_end: true }),
      );
      return;
    }
    const subscription = await calling('read the subscription', () =>
      this.client.subscriptions.retrieve(subscriptionId),
    );
    const item = subscription.items.data[0];
    if (!item) throw new TallyError('payment_provider_error', `Stripe subscription ${subscriptionId} has no items.`);
    const product = typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
    await calling('change the subscription', () =>
      this.client.subscriptions.update(subscriptionId, {
        cancel_at_period_end: false,
        proration_behavior: 'none',
        metadata: { [META.plan]: plan.id },
        items: [
          plan.stripePriceId
            ? { id: item.id, price: plan.stripePriceId }
            : {
                id: item.id,
                price_data: {
                  currency: plan.currency,
                  product,
                  unit_amount: minorUnits(plan.monthlyPrice),
                  recurring: { interval: 'month' },
                },
              },
        ],
      }),
    );
  }

  /** Checks Stripe's signature over the raw body; the age tolerance is measured on Tally's clock. */
  verify(rawBody: Buffer, signature: string | undefined, now: Date): Stripe.Event {
    if (!signature) {
      throw new TallyError('invalid_request', 'Missing the Stripe-Signature header.', { field: 'stripe-signature' });
    }
    try {
      return this.client.webhooks.constructEvent(
        rawBody,
        signature,
        this.settings.webhookSecret,
        300,
        undefined,
        now.getTime(),
      );
    } catch (error) {
      throw new TallyError('invalid_request', `The Stripe signature does not verify: ${(error as Error).message}`, {
        field: 'stripe-signature',
      });
    }
  }
}

function returnUrls(returnUrl: string) {
  return {
    success_url: `${returnUrl}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${returnUrl}?checkout=canceled`,
  };
}

function started(session: Stripe.Checkout.Session): CheckoutStarted {
  if (!session.url) throw new TallyError('payment_provider_error', `Stripe gave checkout ${session.id} no URL.`);
  return { sessionId: session.id, url: session.url };
}

import type { LowCreditThreshold } from '../domain/low-credit.ts';
import type { Context, TxContext } from '../ledger/context.ts';
import type { Catalog } from './catalog.ts';
import type { BillingEvents } from './events.ts';
import type { PaymentsMode } from './payments-mode.ts';
import { StripePayments, type StripeSettings } from './stripe/stripe-payments.ts';
import { StripeTopUps } from './stripe/stripe-top-ups.ts';

/** Tally's two clients of Stripe's API: Checkout and subscriptions, and off-session top-ups. */
export interface StripeClients {
  readonly payments: StripePayments;
  readonly topUps: StripeTopUps;
}

/** What billing's verbs run on, beyond the store and the clock. */
export interface BillingContext extends Context {
  readonly catalog: Catalog;
  /** Who takes the money for a workspace's own plan changes and purchases (TALLY_PAYMENTS). */
  readonly payments: PaymentsMode;
  /**
   * Null without Stripe keys: the webhook endpoint then answers 404. Set with a mode other than
   * `stripe`, Stripe's webhooks are still handled, so subscriptions Stripe already bills keep
   * renewing; nothing new goes to Checkout.
   */
  readonly stripe: StripeClients | null;
  /** Told of renewals, purchases and top-ups inside their transactions (outgoing webhooks). */
  readonly events: BillingEvents;
}

/** A billing step inside the caller's transaction: the transaction, its instant, and the parts it decides by. */
export interface BillingTxContext extends TxContext {
  readonly catalog: Catalog;
  readonly events: BillingEvents;
}

/** What the balance's plan limits and low-credit rule run on. */
export interface PlanInsightsContext extends Context {
  readonly catalog: Catalog;
  /** The operator's own upgrade page (TALLY_UPGRADE_URL); null: the dashboard's. */
  readonly upgradeUrl: string | null;
  /** The verb reading a workspace's own low-credit threshold: src/alerts keeps it, and billing may not import alerts. */
  readonly lowCreditThreshold: (args: { ctx: Context; input: { workspaceId: string } }) => Promise<LowCreditThreshold>;
}

/** Stripe's clients for `settings`; null without keys, which `payments: 'stripe'` cannot do without. */
export function stripeClients(settings: StripeSettings | null, payments: PaymentsMode): StripeClients | null {
  if (payments === 'stripe' && !settings) throw new Error("payments 'stripe' needs the Stripe keys");
  return settings ? { payments: new StripePayments(settings), topUps: new StripeTopUps(settings) } : null;
}

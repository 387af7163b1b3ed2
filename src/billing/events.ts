import type { Grant } from '../domain/grants.ts';
import type { Period } from '../domain/periods.ts';
import type { Trx } from '../store/schema.ts';
import type { AutoTopUpEvents } from './auto-top-up/events.ts';
import type { Plan } from './catalog.ts';

/** The transaction the change is made in: what an observer writes with it commits or rolls back with the change. */
export interface BillingEventContext {
  trx: Trx;
  at: Date;
}

export interface SubscriptionRenewed {
  workspaceId: string;
  /** The plan of the new period (a pending downgrade has just taken effect). */
  plan: Plan;
  period: Period;
  /** The period's allocation; null for a plan that includes no credits. */
  grant: Grant | null;
  /** Unused credits carried over from the period before, when the plan rolls them over. */
  rollover: Grant | null;
}

export interface PurchaseCompleted {
  workspaceId: string;
  packId: string;
  grant: Grant;
  provider: 'manual' | 'stripe';
  /** The Stripe Checkout Session id, or the manual purchase's id. */
  paymentId: string;
}

/**
 * What billing tells the rest of Tally (outgoing webhooks), inside the transaction that makes the
 * change, once per change: a renewal that was already made, or a purchase already granted, calls nothing.
 */
export interface BillingEvents extends AutoTopUpEvents {
  subscriptionRenewed?(event: SubscriptionRenewed, context: BillingEventContext): Promise<void>;
  purchaseCompleted?(event: PurchaseCompleted, context: BillingEventContext): Promise<void>;
}

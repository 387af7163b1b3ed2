import type { BillingEvents } from '../billing/events.ts';
import { millicreditsToCredits } from '../domain/amounts.ts';
import { announce } from './announce.ts';
import { autoTopUpWebhooks } from './auto-top-up-webhooks.ts';

/**
 * Billing's events as outgoing webhooks. Billing calls these inside the transaction that renews a
 * period or grants a purchase, so the event is in the outbox exactly when the credits are. The keys
 * make each one idempotent besides: one renewal event per workspace and period, one purchase event
 * per payment.
 */
export const billingWebhooks: Required<BillingEvents> = {
  ...autoTopUpWebhooks,

  subscriptionRenewed: announce((event) => ({
    type: 'subscription.renewed',
    key: `renewal:${event.period.start.toISOString()}`,
    data: {
      plan: event.plan.id,
      periodStart: event.period.start.toISOString(),
      periodEnd: event.period.end.toISOString(),
      credits: millicreditsToCredits(event.grant?.amount ?? 0),
      rolledOver: millicreditsToCredits(event.rollover?.amount ?? 0),
    },
  })),

  purchaseCompleted: announce((event) => ({
    type: 'purchase.completed',
    key: `purchase:${event.provider}:${event.paymentId}`,
    data: {
      pack: event.packId,
      credits: millicreditsToCredits(event.grant.amount),
      expiresAt: event.grant.expiresAt?.toISOString() ?? null,
      provider: event.provider,
      paymentId: event.paymentId,
    },
  })),
};

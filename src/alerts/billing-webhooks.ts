import type { BillingEvents } from '../billing/events.ts';
import { millicreditsToCredits } from '../domain/amounts.ts';
import { autoTopUpWebhooks } from './auto-top-up-webhooks.ts';
import { recordEvent } from './events.ts';

/**
 * Billing's events as outgoing webhooks. Billing calls these inside the transaction that renews a
 * period or grants a purchase, so the event is in the outbox exactly when the credits are. The keys
 * make each one idempotent besides: one renewal event per workspace and period, one purchase event
 * per payment.
 */
export const billingWebhooks: Required<BillingEvents> = {
  ...autoTopUpWebhooks,

  async subscriptionRenewed(event, { trx, at }) {
    await recordEvent({
      ctx: { db: trx, now: at },
      input: {
        workspaceId: event.workspaceId,
        type: 'subscription.renewed',
        data: {
          plan: event.plan.id,
          periodStart: event.period.start.toISOString(),
          periodEnd: event.period.end.toISOString(),
          credits: millicreditsToCredits(event.grant?.amount ?? 0),
          rolledOver: millicreditsToCredits(event.rollover?.amount ?? 0),
        },
        key: `renewal:${event.period.start.toISOString()}`,
      },
    });
  },

  async purchaseCompleted(event, { trx, at }) {
    await recordEvent({
      ctx: { db: trx, now: at },
      input: {
        workspaceId: event.workspaceId,
        type: 'purchase.completed',
        data: {
          pack: event.packId,
          credits: millicreditsToCredits(event.grant.amount),
          expiresAt: event.grant.expiresAt?.toISOString() ?? null,
          provider: event.provider,
          paymentId: event.paymentId,
        },
        key: `purchase:${event.provider}:${event.paymentId}`,
      },
    });
  },
};

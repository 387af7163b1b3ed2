import type { Transaction } from 'kysely';
import type { Stripe } from 'stripe';
import type { Clock } from '../../domain/clock.ts';
import type { Database } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import { settlePaymentIntent } from '../auto-top-up/stripe-settlement.ts';
import type { Catalog } from '../catalog.ts';
import type { BillingEvents } from '../events.ts';
import { applyPlanChange, type BillingTx } from '../plan-changes.ts';
import { completePurchase } from '../purchases.ts';
import { renewWorkspace } from '../renewals.ts';
import { findByStripeSubscription, findSubscription, updateSubscription } from '../subscription-rows.ts';
import { recordStripePayment } from './stripe-payment-rows.ts';
import { META, REPLACED_COMMENT, type StripePayments } from './stripe-payments.ts';

export interface WebhookOutcome {
  id: string;
  type: string;
  /** True when this event id was handled before: nothing changed this time. */
  duplicate: boolean;
  outcome: string;
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

/**
 * Stripe's events, verified and handled once each. The event id is inserted first in the same
 * transaction as the event's effect: a redelivery, even one racing the first delivery, finds the
 * row and changes nothing. Credits are granted only on events that mean money arrived: a paid
 * Checkout Session (pack or plan) and a paid invoice (the paid-through date renewals wait for).
 */
export class StripeWebhooks {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly events: BillingEvents,
    private readonly stripe: StripePayments,
    private readonly clock: Clock,
  ) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
    const now = this.clock();
    const event = this.stripe.verify(rawBody, signature, now);
    const seen = await this.store.db
      .selectFrom('stripe_events')
      .select('outcome')
      .where('id', '=', event.id)
      .executeTakeFirst();
    if (seen) return { id: event.id, type: event.type, duplicate: true, outcome: seen.outcome };

    const result = await this.handle(event, now);
    const outcome: WebhookOutcome = { id: event.id, type: event.type, ...result };
    if (!result.duplicate && result.workspaceId) {
      // Periods that waited for this payment are granted now; if this fails the renewal runner does it within a minute.
      await renewWorkspace(this.store, this.catalog, this.events, result.workspaceId, now).catch(() => undefined);
    }
    return outcome;
  }

  private async handle(
    event: Stripe.Event,
    now: Date,
  ): Promise<{ duplicate: boolean; outcome: string; workspaceId?: string }> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        return this.checkoutPaid(event, event.data.object, now);
      case 'invoice.paid':
        return this.invoicePaid(event, event.data.object, now);
      case 'invoice.payment_failed':
        return this.once(event, null, now, async ({ db }) => {
          const subscriptionId = idOf(event.data.object.parent?.subscription_details?.subscription);
          const subscription = subscriptionId ? await findByStripeSubscription(db, subscriptionId) : null;
          if (!subscription) return 'ignored: not a Tally subscription';
          await updateSubscription(db, subscription.workspaceId, { status: 'past_due' }, now);
          return 'subscription past due';
        });
      case 'customer.subscription.deleted':
        return this.once(event, null, now, async ({ db }) => {
          // A subscription Tally replaced on an upgrade is no longer the workspace's: nothing to do. The
          // comment Tally cancelled it with says so even when this event beats the upgrade's commit.
          if (event.data.object.cancellation_details?.comment === REPLACED_COMMENT) {
            return 'ignored: replaced on upgrade';
          }
          const subscription = await findByStripeSubscription(db, event.data.object.id);
          if (!subscription) return 'ignored: not the current subscription';
          const current = this.catalog.planOrFallback(subscription.plan);
          const fallback = this.catalog.fallbackPlan();
          await updateSubscription(
            db,
            subscription.workspaceId,
            {
              provider: 'manual',
              status: 'active',
              stripe_subscription_id: null,
              pending_plan: current.monthlyPrice > 0 && current.id !== fallback.id ? fallback.id : null,
            },
            now,
          );
          return `subscription ended: ${fallback.id} from the next period`;
        });
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
        return this.once(event, event.data.object.metadata?.[META.workspace] ?? null, now, (billing) =>
          settlePaymentIntent(billing, this.events, event.type, event.data.object),
        );
      default:
        return this.once(event, null, now, async () => 'ignored');
    }
  }

  private async checkoutPaid(event: Stripe.Event, session: Stripe.Checkout.Session, now: Date) {
    const workspaceId = session.metadata?.[META.workspace] ?? session.client_reference_id;
    if (!workspaceId) return this.once(event, null, now, async () => 'ignored: not a Tally checkout');
    // An asynchronous payment method completes the session unpaid; its money arrives with async_payment_succeeded.
    if (session.payment_status !== 'paid') {
      return this.once(event, workspaceId, now, async () => `awaiting payment (${session.payment_status})`);
    }
    const kind = session.metadata?.[META.kind];
    if (kind === 'pack') {
      const metadata = session.metadata ?? {};
      const credits = Number(metadata[META.credits]);
      const validityMonths = Number(metadata[META.validityMonths]);
      if (!Number.isSafeInteger(credits) || credits <= 0 || !Number.isSafeInteger(validityMonths)) {
        return this.once(event, workspaceId, now, async () => 'ignored: pack metadata is incomplete');
      }
      const pack = {
        id: metadata[META.pack] ?? 'pack',
        name: metadata[META.packName] ?? 'Credit',
        credits,
        validityMonths,
      };
      // A Stripe call before the transaction, safe to repeat; without a receipt the history still shows the amount.
      const receiptUrl = await this.stripe.receiptUrl(idOf(session.payment_intent)).catch(() => null);
      return this.once(event, workspaceId, now, async (billing) => {
        const { grant } = await completePurchase(billing, this.events, workspaceId, pack, {
          provider: 'stripe',
          id: session.id,
        });
        await recordStripePayment(billing.db, {
          workspaceId,
          id: session.id,
          at: now,
          description: `${pack.name} pack`,
          amount: session.amount_total ?? 0,
          currency: session.currency ?? 'usd',
          documentUrl: receiptUrl,
        });
        return `granted ${grant.amount} millicredits (${grant.id})`;
      });
    }
    if (kind === 'subscription') {
      const subscriptionId = idOf(session.subscription);
      if (!subscriptionId) return this.once(event, workspaceId, now, async () => 'ignored: no subscription');
      // A plan the operator has since removed throws here: Stripe retries until the catalog has it again.
      const plan = this.catalog.plan(session.metadata?.[META.plan] ?? '');
      // Stripe calls happen before the transaction; both are safe to repeat if this delivery fails and is retried.
      const before = await findSubscription(this.store.db, workspaceId);
      if (before?.stripeSubscriptionId && before.stripeSubscriptionId !== subscriptionId) {
        await this.stripe.cancel(before.stripeSubscriptionId);
      }
      const paidThrough = await this.stripe.paidThrough(subscriptionId);
      return this.once(event, workspaceId, now, async (billing) => {
        const result = await applyPlanChange(billing, this.catalog, workspaceId, plan, {
          provider: 'stripe',
          customerId: idOf(session.customer),
          subscriptionId,
          paidThrough,
        });
        return `plan ${plan.id}: ${result.change}${result.grant ? ` (${result.grant.id})` : ''}`;
      });
    }
    return this.once(event, workspaceId, now, async () => 'ignored: not a Tally checkout');
  }

  private async invoicePaid(event: Stripe.Event, invoice: Stripe.Invoice, now: Date) {
    const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
    if (!subscriptionId) return this.once(event, null, now, async () => 'ignored: not a subscription invoice');
    const servedUntil = Math.max(0, ...invoice.lines.data.map((line) => line.period.end)) * 1000;
    let workspaceId: string | undefined;
    const result = await this.once(event, null, now, async ({ db }) => {
      const subscription = await findByStripeSubscription(db, subscriptionId);
      // The first invoice of a new subscription can arrive before its Checkout Session completes;
      // completing the session reads the paid-through date from Stripe itself.
      if (!subscription) return 'ignored: not yet a Tally subscription';
      workspaceId = subscription.workspaceId;
      const paidThrough = Math.max(servedUntil, subscription.paidThrough?.getTime() ?? 0);
      await updateSubscription(db, subscription.workspaceId, { paid_through: paidThrough, status: 'active' }, now);
      if (invoice.id) {
        await recordStripePayment(db, {
          workspaceId: subscription.workspaceId,
          id: invoice.id,
          at: new Date(invoice.created * 1000),
          description: `${this.catalog.planOrFallback(subscription.plan).name} plan, ${invoice.billing_reason === 'subscription_cycle' ? 'renewal' : 'subscription'}`,
          amount: invoice.amount_paid,
          currency: invoice.currency,
          documentUrl: invoice.hosted_invoice_url ?? null,
        });
      }
      return `paid through ${new Date(paidThrough).toISOString()}`;
    });
    return { ...result, ...(workspaceId ? { workspaceId } : {}) };
  }

  /** Runs `effect` in one transaction that first claims the event id; a claimed id means a duplicate. */
  private async once(
    event: Stripe.Event,
    workspaceId: string | null,
    now: Date,
    effect: (billing: BillingTx) => Promise<string>,
  ): Promise<{ duplicate: boolean; outcome: string; workspaceId?: string }> {
    return this.store.transaction(async (tx, db) => {
      if (!(await claim(db, event, workspaceId, now))) {
        return { duplicate: true, outcome: 'already handled' };
      }
      const outcome = await effect({ tx, db, now });
      await db.updateTable('stripe_events').set({ outcome }).where('id', '=', event.id).execute();
      return { duplicate: false, outcome, ...(workspaceId ? { workspaceId } : {}) };
    });
  }
}

async function claim(
  db: Transaction<Database>,
  event: Stripe.Event,
  workspaceId: string | null,
  now: Date,
): Promise<boolean> {
  const inserted = await db
    .insertInto('stripe_events')
    .values({
      id: event.id,
      type: event.type,
      workspace_id: workspaceId,
      outcome: 'handling',
      received_at: now.getTime(),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

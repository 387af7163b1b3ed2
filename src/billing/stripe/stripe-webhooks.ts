import type { Transaction } from 'kysely';
import type { Stripe } from 'stripe';
import type { Call } from '../../ledger/context.ts';
import type { Database } from '../../store/schema.ts';
import { settlePaymentIntent } from '../auto-top-up/stripe-settlement.ts';
import type { BillingContext, BillingTxContext, StripeClients } from '../context.ts';
import { applyPlanChange } from '../plan-changes.ts';
import { completePurchase } from '../purchases.ts';
import { renewWorkspace } from '../renewals.ts';
import { findByStripeSubscription, findSubscription, updateSubscription } from '../subscription-rows.ts';
import { recordStripePayment } from './stripe-payment-rows.ts';
import { META, REPLACED_COMMENT } from './stripe-payments.ts';

/** What handling Stripe's events runs on: billing's context with Stripe's keys set. */
export interface StripeWebhookContext extends BillingContext {
  readonly stripe: StripeClients;
}

export interface WebhookOutcome {
  id: string;
  type: string;
  /** True when this event id was handled before: nothing changed this time. */
  duplicate: boolean;
  outcome: string;
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

/** What handling one event did; `workspaceId` names the workspace whose waiting periods it may release. */
interface Handled {
  duplicate: boolean;
  outcome: string;
  workspaceId?: string;
}

/**
 * Stripe's events, verified and handled once each. The event id is inserted first in the same
 * transaction as the event's effect: a redelivery, even one racing the first delivery, finds the
 * row and changes nothing. Credits are granted only on events that mean money arrived: a paid
 * Checkout Session (pack or plan) and a paid invoice (the paid-through date renewals wait for).
 */
export async function receiveStripeEvent({
  ctx,
  input,
}: Call<StripeWebhookContext, { rawBody: Buffer; signature: string | undefined }>): Promise<WebhookOutcome> {
  const now = ctx.clock();
  const event = ctx.stripe.payments.verify(input.rawBody, input.signature, now);
  const seen = await ctx.store.db
    .selectFrom('stripe_events')
    .select('outcome')
    .where('id', '=', event.id)
    .executeTakeFirst();
  if (seen) return { id: event.id, type: event.type, duplicate: true, outcome: seen.outcome };

  const result = await handle(ctx, event, now);
  const outcome: WebhookOutcome = { id: event.id, type: event.type, ...result };
  if (!result.duplicate && result.workspaceId) {
    // Periods that waited for this payment are granted now; if this fails the renewal runner does it within a minute.
    await renewWorkspace({ ctx, input: { workspaceId: result.workspaceId } }).catch(() => undefined);
  }
  return outcome;
}

async function handle(ctx: StripeWebhookContext, event: Stripe.Event, now: Date): Promise<Handled> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutPaid(ctx, event, event.data.object, now);
    case 'invoice.paid':
      return invoicePaid(ctx, event, event.data.object, now);
    case 'invoice.payment_failed':
      return once(ctx, event, null, now, async ({ db }) => {
        const subscriptionId = idOf(event.data.object.parent?.subscription_details?.subscription);
        const subscription = subscriptionId ? await findByStripeSubscription(db, subscriptionId) : null;
        if (!subscription) return 'ignored: not a Tally subscription';
        await updateSubscription(db, subscription.workspaceId, { status: 'past_due' }, now);
        return 'subscription past due';
      });
    case 'customer.subscription.deleted':
      return once(ctx, event, null, now, async ({ db }) => {
        // A subscription Tally replaced on an upgrade is no longer the workspace's: nothing to do. The
        // comment Tally cancelled it with says so even when this event beats the upgrade's commit.
        if (event.data.object.cancellation_details?.comment === REPLACED_COMMENT) {
          return 'ignored: replaced on upgrade';
        }
        const subscription = await findByStripeSubscription(db, event.data.object.id);
        if (!subscription) return 'ignored: not the current subscription';
        const current = ctx.catalog.planOrFallback(subscription.plan);
        const fallback = ctx.catalog.fallbackPlan();
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
      return once(ctx, event, event.data.object.metadata?.[META.workspace] ?? null, now, (billing) =>
        settlePaymentIntent({ ctx: billing, input: { type: event.type, intent: event.data.object } }),
      );
    default:
      return once(ctx, event, null, now, async () => 'ignored');
  }
}

async function checkoutPaid(
  ctx: StripeWebhookContext,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
  now: Date,
): Promise<Handled> {
  const workspaceId = session.metadata?.[META.workspace] ?? session.client_reference_id;
  if (!workspaceId) return once(ctx, event, null, now, async () => 'ignored: not a Tally checkout');
  // An asynchronous payment method completes the session unpaid; its money arrives with async_payment_succeeded.
  if (session.payment_status !== 'paid') {
    return once(ctx, event, workspaceId, now, async () => `awaiting payment (${session.payment_status})`);
  }
  const kind = session.metadata?.[META.kind];
  if (kind === 'pack') {
    const metadata = session.metadata ?? {};
    const credits = Number(metadata[META.credits]);
    const validityMonths = Number(metadata[META.validityMonths]);
    if (!Number.isSafeInteger(credits) || credits <= 0 || !Number.isSafeInteger(validityMonths)) {
      return once(ctx, event, workspaceId, now, async () => 'ignored: pack metadata is incomplete');
    }
    const pack = {
      id: metadata[META.pack] ?? 'pack',
      name: metadata[META.packName] ?? 'Credit',
      credits,
      validityMonths,
    };
    // A Stripe call before the transaction, safe to repeat; without a receipt the history still shows the amount.
    const receiptUrl = await ctx.stripe.payments.receiptUrl(idOf(session.payment_intent)).catch(() => null);
    return once(ctx, event, workspaceId, now, async (billing) => {
      const { grant } = await completePurchase({
        ctx: billing,
        input: { workspaceId, pack, payment: { provider: 'stripe', id: session.id } },
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
    if (!subscriptionId) return once(ctx, event, workspaceId, now, async () => 'ignored: no subscription');
    // A plan the operator has since removed throws here: Stripe retries until the catalog has it again.
    const plan = ctx.catalog.plan(session.metadata?.[META.plan] ?? '');
    // Stripe calls happen before the transaction; both are safe to repeat if this delivery fails and is retried.
    const before = await findSubscription(ctx.store.db, workspaceId);
    if (before?.stripeSubscriptionId && before.stripeSubscriptionId !== subscriptionId) {
      await ctx.stripe.payments.cancel(before.stripeSubscriptionId);
    }
    const paidThrough = await ctx.stripe.payments.paidThrough(subscriptionId);
    return once(ctx, event, workspaceId, now, async (billing) => {
      const result = await applyPlanChange({
        ctx: billing,
        input: {
          workspaceId,
          target: plan,
          payment: { provider: 'stripe', customerId: idOf(session.customer), subscriptionId, paidThrough },
        },
      });
      return `plan ${plan.id}: ${result.change}${result.grant ? ` (${result.grant.id})` : ''}`;
    });
  }
  return once(ctx, event, workspaceId, now, async () => 'ignored: not a Tally checkout');
}

async function invoicePaid(
  ctx: StripeWebhookContext,
  event: Stripe.Event,
  invoice: Stripe.Invoice,
  now: Date,
): Promise<Handled> {
  const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
  if (!subscriptionId) return once(ctx, event, null, now, async () => 'ignored: not a subscription invoice');
  const servedUntil = Math.max(0, ...invoice.lines.data.map((line) => line.period.end)) * 1000;
  let workspaceId: string | undefined;
  const result = await once(ctx, event, null, now, async ({ db }) => {
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
        description: `${ctx.catalog.planOrFallback(subscription.plan).name} plan, ${invoice.billing_reason === 'subscription_cycle' ? 'renewal' : 'subscription'}`,
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
async function once(
  ctx: StripeWebhookContext,
  event: Stripe.Event,
  workspaceId: string | null,
  now: Date,
  effect: (billing: BillingTxContext) => Promise<string>,
): Promise<Handled> {
  return ctx.store.transaction(async (tx, db) => {
    if (!(await claim(db, event, workspaceId, now))) {
      return { duplicate: true, outcome: 'already handled' };
    }
    const outcome = await effect({ tx, db, now, catalog: ctx.catalog, events: ctx.events });
    await db.updateTable('stripe_events').set({ outcome }).where('id', '=', event.id).execute();
    return { duplicate: false, outcome, ...(workspaceId ? { workspaceId } : {}) };
  });
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

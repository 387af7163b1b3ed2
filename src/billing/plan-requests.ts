import type { Grant } from '../domain/grants.ts';
import { classifyPlanChange, type PlanChange } from '../domain/plan-rules.ts';
import type { Call } from '../ledger/context.ts';
import { randomId } from '../ledger/random-id.ts';
import type { Pack, Plan } from './catalog.ts';
import type { BillingContext } from './context.ts';
import { type PaymentsMode, paymentsNotConfigured } from './payments-mode.ts';
import { applyPlanChange } from './plan-changes.ts';
import { completePurchase } from './purchases.ts';
import { renewWorkspace } from './renewals.ts';
import type { Subscription } from './subscription-rows.ts';
import { getSubscription } from './subscriptions.ts';

/** Who asks: the workspace (pays through the provider) or the operator (applies the change by hand). */
export interface Requester {
  asOperator: boolean;
  /** Where Stripe Checkout sends the customer back: the dashboard's upgrade page. */
  returnUrl: string;
  idempotencyKey?: string;
}

export type PlanRequestResult =
  | { kind: 'checkout'; checkoutUrl: string; sessionId: string; subscription: Subscription }
  | { kind: 'applied'; change: PlanChange; subscription: Subscription; grant: Grant | null };

export type PurchaseRequestResult =
  | { kind: 'checkout'; checkoutUrl: string; sessionId: string }
  | { kind: 'granted'; grant: Grant; replayed: boolean };

export interface UpgradeOptions {
  current: Plan;
  pendingPlan: Plan | null;
  plans: Plan[];
  packs: readonly Pack[];
  provider: PaymentsMode;
}

/**
 * A workspace asks for `planId`. An upgrade goes through Stripe Checkout when Stripe is set up
 * (credits come with the paid session's webhook), else it applies at once; a downgrade is
 * scheduled for the next period (and Stripe told to bill the lower price from then).
 */
export async function requestPlan({
  ctx,
  input,
}: Call<BillingContext, { workspaceId: string; planId: string; requester: Requester }>): Promise<PlanRequestResult> {
  const { store, catalog, payments, stripe } = ctx;
  const { workspaceId, requester } = input;
  const target = catalog.plan(input.planId);
  if (payments === 'off' && !requester.asOperator) throw paymentsNotConfigured();
  // Renewals first, so an upgrade tops up the period that is really current.
  await renewWorkspace({ ctx, input: { workspaceId } });
  const subscription = await getSubscription({ ctx, input: { workspaceId } });
  const current = catalog.planOrFallback(subscription.plan);
  const change = classifyPlanChange(current, target);

  if (stripe && !requester.asOperator) {
    if (change === 'upgrade' && payments === 'stripe') {
      const checkout = await stripe.payments.checkoutForPlan({
        workspaceId,
        plan: target,
        customerId: subscription.stripeCustomerId,
        returnUrl: requester.returnUrl,
        idempotencyKey: requester.idempotencyKey,
      });
      return { kind: 'checkout', checkoutUrl: checkout.url, sessionId: checkout.sessionId, subscription };
    }
    // A subscription Stripe bills is kept in step with a downgrade, whichever mode is chosen now.
    if (change !== 'upgrade' && subscription.provider === 'stripe' && subscription.stripeSubscriptionId) {
      if (change === 'downgrade') await stripe.payments.renewOn(subscription.stripeSubscriptionId, target);
      else if (subscription.pendingPlan) await stripe.payments.renewOn(subscription.stripeSubscriptionId, current);
    }
  }
  // Read after the renewals above, so the change decides in the period they have just granted.
  const now = ctx.clock();
  const result = await store.transaction((tx, db) =>
    applyPlanChange({ ctx: { tx, db, now, catalog }, input: { workspaceId, target, payment: { provider: 'manual' } } }),
  );
  return { kind: 'applied', ...result };
}

/** A workspace buys `packId`: through Stripe Checkout when Stripe is set up, else granted at once. */
export async function requestPack({
  ctx,
  input,
}: Call<
  BillingContext,
  { workspaceId: string; packId: string; requester: Requester }
>): Promise<PurchaseRequestResult> {
  const now = ctx.clock();
  const { store, catalog, payments, stripe, events } = ctx;
  const { workspaceId, requester } = input;
  const pack = catalog.pack(input.packId);
  if (payments === 'off' && !requester.asOperator) throw paymentsNotConfigured();
  if (stripe && payments === 'stripe' && !requester.asOperator) {
    const subscription = await getSubscription({ ctx, input: { workspaceId } });
    const checkout = await stripe.payments.checkoutForPack({
      workspaceId,
      pack,
      credits: pack.credits,
      customerId: subscription.stripeCustomerId,
      returnUrl: requester.returnUrl,
      idempotencyKey: requester.idempotencyKey,
    });
    return { kind: 'checkout', checkoutUrl: checkout.url, sessionId: checkout.sessionId };
  }
  // Without an Idempotency-Key every request is a new purchase; with one, a retry returns the first grant.
  const paymentId = `manual:${requester.idempotencyKey ?? randomId('pay')}`;
  const result = await store.transaction((tx, db) =>
    completePurchase({
      ctx: { tx, db, now, events },
      input: {
        workspaceId,
        pack: { id: pack.id, name: pack.name, credits: pack.credits, validityMonths: pack.validityMonths },
        payment: { provider: 'manual', id: paymentId, askedBy: requester.asOperator ? 'operator' : 'workspace' },
      },
    }),
  );
  return { kind: 'granted', ...result };
}

/** What the upgrade page offers the workspace: the plans above its own, and the packs. */
export async function getUpgradeOptions({
  ctx,
  input,
}: Call<
  Pick<BillingContext, 'store' | 'clock' | 'catalog' | 'payments'>,
  { workspaceId: string }
>): Promise<UpgradeOptions> {
  const { catalog } = ctx;
  const subscription = await getSubscription({ ctx, input });
  return {
    current: catalog.planOrFallback(subscription.plan),
    pendingPlan: subscription.pendingPlan ? catalog.planOrFallback(subscription.pendingPlan) : null,
    plans: catalog.plansAbove(subscription.plan),
    packs: catalog.packs,
    provider: ctx.payments,
  };
}

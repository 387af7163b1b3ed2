import type { Call } from '../ledger/context.ts';
import { listGrantsByIdPrefix } from '../ledger/grant-list.ts';
import type { Plan } from './catalog.ts';
import type { BillingContext } from './context.ts';
import { purchaseGrantId } from './purchases.ts';
import { listManualSubscriptions } from './subscription-rows.ts';

/** A pack granted without Stripe, for the operator to invoice (or already invoiced, when the operator recorded it). */
export interface ManualPurchase {
  workspaceId: string;
  grantId: string;
  credits: number;
  reason: string;
  at: Date;
}

/** A workspace on a paid plan that no Stripe subscription bills: the operator invoices it each period. */
export interface ManualPlan {
  workspaceId: string;
  plan: Plan;
  currentPeriod: { start: Date; end: Date };
}

/**
 * What the manual provider gave without a payment, for the operator to invoice: the packs granted
 * without Stripe in [from, to), and the workspaces on a paid plan that no Stripe subscription bills.
 */
export async function listManualBilling({
  ctx,
  input,
}: Call<Pick<BillingContext, 'store' | 'clock' | 'catalog'>, { from: Date; to: Date }>): Promise<{
  purchases: ManualPurchase[];
  plans: ManualPlan[];
}> {
  const { store, catalog } = ctx;
  const [grants, subscriptions] = await Promise.all([
    listGrantsByIdPrefix({ ctx, input: { prefix: purchaseGrantId('manual:'), from: input.from, to: input.to } }),
    listManualSubscriptions(store.db),
  ]);
  return {
    purchases: grants.map((grant) => ({
      workspaceId: grant.workspaceId,
      grantId: grant.id,
      credits: grant.amount,
      reason: grant.reason,
      at: grant.createdAt,
    })),
    plans: subscriptions
      .map((subscription) => ({
        workspaceId: subscription.workspaceId,
        plan: catalog.planOrFallback(subscription.plan),
        currentPeriod: subscription.currentPeriod,
      }))
      .filter((row) => row.plan.monthlyPrice > 0),
  };
}

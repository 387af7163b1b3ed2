import type { Grant } from '../domain/grants.ts';
import { periodAt } from '../domain/periods.ts';
import { classifyPlanChange, type PlanChange, upgradeTopUp } from '../domain/plan-rules.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import { AccountState } from '../ledger/account-state.ts';
import type { Call, TxContext } from '../ledger/context.ts';
import { addGrant } from '../ledger/grant-credits.ts';
import { setWorkspacePlan } from '../ledger/workspaces.ts';
import type { Plan } from './catalog.ts';
import type { BillingTxContext } from './context.ts';
import { grantPeriod, upgradeGrantId } from './period-grants.ts';
import {
  findSubscription,
  insertSubscription,
  type Subscription,
  type SubscriptionChanges,
  updateSubscription,
} from './subscription-rows.ts';

/** How the change is paid for: by hand (the operator, or the manual provider), or by a Stripe subscription. */
export type Payment =
  | { provider: 'manual' }
  | { provider: 'stripe'; customerId: string | null; subscriptionId: string; paidThrough: Date | null };

export interface PlanChangeResult {
  change: PlanChange;
  subscription: Subscription;
  /** The credits the change added at once: an upgrade's top-up; null when nothing was added. */
  grant: Grant | null;
}

/** A new workspace's subscription and its first period's credits, in the transaction that creates the workspace. */
export async function startSubscription({
  ctx,
  input,
}: Call<TxContext, { workspace: { id: string; plan: string; periodAnchor: Date }; plan: Plan }>): Promise<{
  subscription: Subscription;
  grant: Grant | null;
}> {
  const { tx, db, now } = ctx;
  const { workspace, plan } = input;
  const subscription = await insertSubscription(db, workspace, now);
  const state = await AccountState.open(tx, workspace.id, now);
  const grant = await grantPeriod({
    ctx: { ...ctx, state },
    input: { workspaceId: workspace.id, plan, period: subscription.currentPeriod },
  });
  await state.flush();
  return { subscription, grant };
}

/**
 * Moves a workspace to `target`. An upgrade takes effect at once: the workspace's plan, overage limit
 * and agent limit follow it, and the difference between the two allocations is granted for the rest
 * of the current period (see upgradeTopUp). A downgrade is recorded and applied by the renewal that
 * starts the next period. Choosing the current plan again cancels a pending downgrade.
 */
export async function applyPlanChange({
  ctx,
  input,
}: Call<
  Omit<BillingTxContext, 'events'>,
  { workspaceId: string; target: Plan; payment: Payment }
>): Promise<PlanChangeResult> {
  const { tx, db, now, catalog } = ctx;
  const { workspaceId, target, payment } = input;
  const account = workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
  const subscription =
    (await findSubscription(db, workspaceId)) ??
    (await insertSubscription(db, { id: account.id, plan: account.plan, periodAnchor: account.periodAnchor }, now));
  const current = catalog.planOrFallback(subscription.plan);
  const change = classifyPlanChange(current, target);
  const period = periodAt(subscription.periodAnchor, now);
  const upgradeId = upgradeGrantId(period, target.id);

  const changes: SubscriptionChanges = {};
  if (payment.provider === 'stripe') {
    changes.provider = 'stripe';
    changes.status = 'active';
    changes.stripe_subscription_id = payment.subscriptionId;
    if (payment.customerId) changes.stripe_customer_id = payment.customerId;
    const paidThrough = Math.max(payment.paidThrough?.getTime() ?? 0, subscription.paidThrough?.getTime() ?? 0);
    if (paidThrough > 0) changes.paid_through = paidThrough;
  }

  let grant: Grant | null = null;
  if (change === 'upgrade') {
    changes.plan = target.id;
    changes.pending_plan = null;
    await setWorkspacePlan(db, workspaceId, target.id, target.overageLimit);
    const topUp = upgradeTopUp(current, target);
    // Only into a period already granted: when renewals are behind, the renewal grants the new plan's full allocation.
    const granted = subscription.currentPeriod.start.getTime() === period.start.getTime();
    if (topUp > 0 && granted) {
      const state = await AccountState.open(tx, workspaceId, now);
      ({ grant } = await addGrant({
        ctx: { tx, now, state },
        input: {
          workspaceId,
          id: upgradeId,
          amount: topUp,
          source: 'subscription',
          reason: `Upgrade from ${current.name} to ${target.name}: the difference in credits for the rest of the period`,
          expiresAt: period.end,
        },
      }));
      await state.flush();
    }
  } else if (change === 'downgrade') {
    changes.pending_plan = target.id;
  } else {
    changes.pending_plan = null;
    // A repeated upgrade request answers with the top-up the first one made.
    const earlier = await tx.findGrant(workspaceId, upgradeId);
    if (earlier) {
      const { fingerprint: _ignored, ...rest } = earlier;
      grant = rest;
    }
  }
  await updateSubscription(db, workspaceId, changes, now);
  const updated = await findSubscription(db, workspaceId);
  if (!updated) throw new Error(`subscription of ${workspaceId} vanished`);
  return { change, subscription: updated, grant };
}

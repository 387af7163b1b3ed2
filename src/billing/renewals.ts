import { type Period, periodsStartedBetween } from '../domain/periods.ts';
import { rolloverCarry } from '../domain/plan-rules.ts';
import { AccountState } from '../ledger/account-state.ts';
import type { Call, Context } from '../ledger/context.ts';
import { unusedAtExpiry } from '../ledger/unused-at-expiry.ts';
import { listWorkspaces, setWorkspacePlan } from '../ledger/workspaces.ts';
import type { Plan } from './catalog.ts';
import type { BillingContext } from './context.ts';
import { grantPeriod, grantRollover } from './period-grants.ts';
import {
  dueForRenewal,
  findSubscription,
  insertSubscription,
  type Subscription,
  subscribedAmong,
  updateSubscription,
} from './subscription-rows.ts';

export type PeriodOutcome = 'renewed' | 'already_renewed' | 'awaiting_payment' | 'no_subscription';

export interface RenewalReport {
  /** Periods granted by this run (a catch-up after downtime counts each missed period). */
  renewed: number;
  /** Workspaces whose next paid period waits for Stripe's payment. */
  awaitingPayment: number;
  /** Workspaces from before billing that were given a subscription on their plan. */
  adopted: number;
}

const PAGE = 500;

/** What renewing runs on: no payment is taken, so neither the payments mode nor Stripe. */
export type RenewalContext = Omit<BillingContext, 'payments' | 'stripe'>;

/**
 * A Stripe-billed paid period is granted only once Stripe's paid invoices reach past its start, so
 * credits follow money; a failed payment holds the period back until `invoice.paid` arrives.
 */
function awaitingPayment(subscription: Subscription, plan: Plan, period: Period): boolean {
  if (subscription.provider !== 'stripe' || subscription.stripeSubscriptionId === null) return false;
  if (plan.monthlyPrice <= 0) return false;
  return subscription.paidThrough === null || subscription.paidThrough.getTime() <= period.start.getTime();
}

/**
 * Starts `period` for one workspace in one transaction: applies a pending downgrade, carries over
 * what the plan rolls over, grants the allocation, and moves the subscription on. Under the account
 * lock the subscription row is read again, so of two processes renewing at once the second finds the
 * period done; the grant ids are per period as well, so even without the lock a period is granted once.
 */
export async function renewPeriod({
  ctx,
  input,
}: Call<RenewalContext, { workspaceId: string; period: Period }>): Promise<PeriodOutcome> {
  const now = ctx.clock();
  const { store, catalog, events } = ctx;
  const { workspaceId, period } = input;
  return store.transaction(async (tx, db) => {
    if (!(await tx.lockAccount(workspaceId))) return 'no_subscription';
    const subscription = await findSubscription(db, workspaceId);
    if (!subscription) return 'no_subscription';
    if (subscription.currentPeriod.start.getTime() >= period.start.getTime()) return 'already_renewed';
    const ending = catalog.planOrFallback(subscription.plan);
    const next = subscription.pendingPlan ? catalog.planOrFallback(subscription.pendingPlan) : ending;
    if (awaitingPayment(subscription, next, period)) return 'awaiting_payment';

    const carry = rolloverCarry(await unusedAtExpiry(db, workspaceId, subscription.currentPeriod.end), ending.rollover);
    if (next.id !== ending.id || subscription.pendingPlan !== null) {
      await setWorkspacePlan(db, workspaceId, next.id, next.overageLimit);
    }
    const state = await AccountState.open(tx, workspaceId, now);
    const opened = { tx, db, now, state };
    const rollover =
      carry > 0
        ? await grantRollover({ ctx: opened, input: { workspaceId, from: ending, amount: carry, period } })
        : null;
    const grant = await grantPeriod({ ctx: opened, input: { workspaceId, plan: next, period } });
    await state.flush();
    await updateSubscription(
      db,
      workspaceId,
      {
        plan: next.id,
        pending_plan: null,
        current_period_start: period.start.getTime(),
        current_period_end: period.end.getTime(),
      },
      now,
    );
    await events.subscriptionRenewed?.({ workspaceId, plan: next, period, grant, rollover }, { trx: db, at: now });
    return 'renewed';
  });
}

/** Grants every period of one workspace that has started by now and not been granted, oldest first. */
export async function renewWorkspace({
  ctx,
  input,
}: Call<RenewalContext, { workspaceId: string }>): Promise<{ renewed: number; awaitingPayment: boolean }> {
  const now = ctx.clock();
  const { workspaceId } = input;
  const subscription = await findSubscription(ctx.store.db, workspaceId);
  if (!subscription) return { renewed: 0, awaitingPayment: false };
  let renewed = 0;
  for (const period of periodsStartedBetween(subscription.periodAnchor, subscription.currentPeriod.start, now)) {
    const outcome = await renewPeriod({ ctx, input: { workspaceId, period } });
    if (outcome === 'renewed') renewed += 1;
    if (outcome === 'awaiting_payment') return { renewed, awaitingPayment: true };
    if (outcome === 'no_subscription') break;
  }
  return { renewed, awaitingPayment: false };
}

/** Gives a subscription, on its current plan and without a grant, to each workspace that has none. */
async function adoptWorkspaces({ store }: Context, now: Date): Promise<number> {
  let adopted = 0;
  let after: string | null = null;
  for (;;) {
    const workspaces = await listWorkspaces({ ctx: { store }, input: { after, limit: PAGE } });
    const subscribed = await subscribedAmong(
      store.db,
      workspaces.map((workspace) => workspace.id),
    );
    for (const workspace of workspaces) {
      if (subscribed.has(workspace.id)) continue;
      await insertSubscription(store.db, workspace, now);
      adopted += 1;
    }
    const last = workspaces.at(-1);
    if (!last || workspaces.length < PAGE) return adopted;
    after = last.id;
  }
}

/**
 * The renewal runner: main.ts calls it at start and every minute, in every process. Each period of
 * each subscription is granted once, in order, also after Tally was down for several periods.
 */
export async function renewDue({ ctx }: { ctx: RenewalContext }): Promise<RenewalReport> {
  const now = ctx.clock();
  const { store } = ctx;
  const report: RenewalReport = { renewed: 0, awaitingPayment: 0, adopted: await adoptWorkspaces(ctx, now) };
  let after = '';
  for (;;) {
    // One pass by workspace id: a subscription waiting for payment stays due, and must not be picked again.
    const due = await dueForRenewal(store.db, now, after, PAGE);
    for (const workspaceId of due) {
      const result = await renewWorkspace({ ctx, input: { workspaceId } });
      report.renewed += result.renewed;
      if (result.awaitingPayment) report.awaitingPayment += 1;
    }
    const last = due.at(-1);
    if (!last || due.length < PAGE) return report;
    after = last;
  }
}

import type { Clock } from '../domain/clock.ts';
import type { Grant } from '../domain/grants.ts';
import { classifyPlanChange, type PlanChange } from '../domain/plan-rules.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import { listGrantsByIdPrefix } from '../ledger/grant-list.ts';
import { randomId } from '../ledger/random-id.ts';
import { insertWorkspace, type NewWorkspace, type Workspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { Agents } from './agents.ts';
import type { Catalog, Pack, Plan } from './catalog.ts';
import type { BillingEvents } from './events.ts';
import { type PaymentsMode, paymentsNotConfigured } from './payments-mode.ts';
import { applyPlanChange, startSubscription } from './plan-changes.ts';
import { completePurchase, purchaseGrantId } from './purchases.ts';
import { type RenewalReport, renewDue, renewWorkspace } from './renewals.ts';
import { StripePayments, type StripeSettings } from './stripe/stripe-payments.ts';
import { StripeWebhooks } from './stripe/stripe-webhooks.ts';
import {
  findSubscription,
  insertSubscription,
  listManualSubscriptions,
  type Subscription,
} from './subscription-rows.ts';

export interface BillingOptions {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  /** Who takes the money for a workspace's own plan changes and purchases (TALLY_PAYMENTS). */
  payments: PaymentsMode;
  /**
   * Stripe's keys: needed with `payments: 'stripe'`. Set with another mode, Stripe's webhooks are still
   * handled, so subscriptions Stripe already bills keep renewing; nothing new goes to Checkout.
   */
  stripe?: StripeSettings | null;
  /** Told of renewals and purchases inside their transactions (outgoing webhooks). */
  events?: BillingEvents;
}

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

/** Plans, subscriptions, purchases and agents: the billing verbs the routes, the CLI and main.ts call. */
export class Billing {
  readonly catalog: Catalog;
  readonly agents: Agents;
  /** Null without Stripe keys: the webhook endpoint then answers 404. */
  readonly stripeWebhooks: StripeWebhooks | null;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly events: BillingEvents;
  private readonly stripe: StripePayments | null;
  readonly payments: PaymentsMode;

  constructor(options: BillingOptions) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.clock = options.clock;
    this.events = options.events ?? {};
    this.payments = options.payments;
    if (options.payments === 'stripe' && !options.stripe) throw new Error("payments 'stripe' needs the Stripe keys");
    this.stripe = options.stripe ? new StripePayments(options.stripe) : null;
    this.agents = new Agents(this.store, this.catalog);
    this.stripeWebhooks = this.stripe
      ? new StripeWebhooks(this.store, this.catalog, this.events, this.stripe, this.clock)
      : null;
  }

  /** Creates a workspace on a plan, starts its subscription and grants its first period, in one transaction. */
  async openWorkspace(input: NewWorkspace): Promise<Workspace> {
    const plan = this.catalog.plan(input.plan);
    const now = this.clock();
    return this.store.transaction(async (tx, db) => {
      const workspace = await insertWorkspace(db, input, now, plan.overageLimit);
      await startSubscription({ tx, db, now }, workspace, plan);
      return workspace;
    });
  }

  /** The workspace's subscription; one that predates billing is started on its plan, with no grant. */
  async subscription(workspaceId: string): Promise<Subscription> {
    const found = await findSubscription(this.store.db, workspaceId);
    if (found) return found;
    const workspace = workspaceMustExist(await this.store.reader().readAccount(workspaceId), workspaceId);
    return insertSubscription(this.store.db, workspace, this.clock());
  }

  /**
   * A workspace asks for `planId`. An upgrade goes through Stripe Checkout when Stripe is set up
   * (credits come with the paid session's webhook), else it applies at once; a downgrade is
   * scheduled for the next period (and Stripe told to bill the lower price from then).
   */
  async requestPlan(workspaceId: string, planId: string, requester: Requester): Promise<PlanRequestResult> {
    const target = this.catalog.plan(planId);
    if (this.payments === 'off' && !requester.asOperator) throw paymentsNotConfigured();
    // Renewals first, so an upgrade tops up the period that is really current.
    await renewWorkspace(this.store, this.catalog, this.events, workspaceId, this.clock());
    const subscription = await this.subscription(workspaceId);
    const current = this.catalog.planOrFallback(subscription.plan);
    const change = classifyPlanChange(current, target);

    if (this.stripe && !requester.asOperator) {
      if (change === 'upgrade' && this.payments === 'stripe') {
        const checkout = await this.stripe.checkoutForPlan({
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
        if (change === 'downgrade') await this.stripe.renewOn(subscription.stripeSubscriptionId, target);
        else if (subscription.pendingPlan) await this.stripe.renewOn(subscription.stripeSubscriptionId, current);
      }
    }
    const now = this.clock();
    const result = await this.store.transaction((tx, db) =>
      applyPlanChange({ tx, db, now }, this.catalog, workspaceId, target, { provider: 'manual' }),
    );
    return { kind: 'applied', ...result };
  }

  /** A workspace buys `packId`: through Stripe Checkout when Stripe is set up, else granted at once. */
  async requestPack(workspaceId: string, packId: string, requester: Requester): Promise<PurchaseRequestResult> {
    const pack = this.catalog.pack(packId);
    if (this.payments === 'off' && !requester.asOperator) throw paymentsNotConfigured();
    if (this.stripe && this.payments === 'stripe' && !requester.asOperator) {
      const subscription = await this.subscription(workspaceId);
      const checkout = await this.stripe.checkoutForPack({
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
    const now = this.clock();
    const result = await this.store.transaction((tx, db) =>
      completePurchase(
        { tx, db, now },
        this.events,
        workspaceId,
        { id: pack.id, name: pack.name, credits: pack.credits, validityMonths: pack.validityMonths },
        { provider: 'manual', id: paymentId, askedBy: requester.asOperator ? 'operator' : 'workspace' },
      ),
    );
    return { kind: 'granted', ...result };
  }

  async upgradeOptions(workspaceId: string): Promise<UpgradeOptions> {
    const subscription = await this.subscription(workspaceId);
    return {
      current: this.catalog.planOrFallback(subscription.plan),
      pendingPlan: subscription.pendingPlan ? this.catalog.planOrFallback(subscription.pendingPlan) : null,
      plans: this.catalog.plansAbove(subscription.plan),
      packs: this.catalog.packs,
      provider: this.payments,
    };
  }

  /**
   * What the manual provider gave without a payment, for the operator to invoice: the packs granted
   * without Stripe in [from, to), and the workspaces on a paid plan that no Stripe subscription bills.
   */
  async manualBilling(from: Date, to: Date): Promise<{ purchases: ManualPurchase[]; plans: ManualPlan[] }> {
    const [grants, subscriptions] = await Promise.all([
      listGrantsByIdPrefix({ ctx: { store: this.store }, input: { prefix: purchaseGrantId('manual:'), from, to } }),
      listManualSubscriptions(this.store.db),
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
          plan: this.catalog.planOrFallback(subscription.plan),
          currentPeriod: subscription.currentPeriod,
        }))
        .filter((row) => row.plan.monthlyPrice > 0),
    };
  }

  /** Grants every period that has started; main.ts runs it at start and every minute, in every process. */
  renewDue(): Promise<RenewalReport> {
    return renewDue(this.store, this.catalog, this.events, this.clock());
  }
}

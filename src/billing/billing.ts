import { creditsToMillicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import type { Grant } from '../domain/grants.ts';
import { classifyPlanChange, type PlanChange } from '../domain/plan-rules.ts';
import { randomId } from '../ledger/random-id.ts';
import { insertWorkspace, type NewWorkspace, type Workspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { Agents } from './agents.ts';
import { type Catalog, type Pack, type Plan, terms } from './catalog.ts';
import type { BillingEvents } from './events.ts';
import { applyPlanChange, startSubscription } from './plan-changes.ts';
import { completePurchase } from './purchases.ts';
import { type RenewalReport, renewDue, renewWorkspace } from './renewals.ts';
import { StripePayments, type StripeSettings } from './stripe/stripe-payments.ts';
import { StripeWebhooks } from './stripe/stripe-webhooks.ts';
import { findSubscription, insertSubscription, type Subscription } from './subscription-rows.ts';

export interface BillingOptions {
  store: Store;
  catalog: Catalog;
  clock: () => Date;
  /** Stripe's keys; without them the manual provider applies plan changes and packs at once. */
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
  packs: Pack[];
  provider: 'stripe' | 'manual';
}

/** Plans, subscriptions, purchases and agents: the billing verbs the routes, the CLI and main.ts call. */
export class Billing {
  readonly catalog: Catalog;
  readonly agents: Agents;
  /** Null without Stripe keys: the webhook endpoint then answers 404. */
  readonly stripeWebhooks: StripeWebhooks | null;
  private readonly store: Store;
  private readonly clock: () => Date;
  private readonly events: BillingEvents;
  private readonly stripe: StripePayments | null;

  constructor(options: BillingOptions) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.clock = options.clock;
    this.events = options.events ?? {};
    this.stripe = options.stripe ? new StripePayments(options.stripe) : null;
    this.agents = new Agents(this.store, this.catalog);
    this.stripeWebhooks = this.stripe
      ? new StripeWebhooks(this.store, this.catalog, this.events, this.stripe, this.clock)
      : null;
  }

  get provider(): 'stripe' | 'manual' {
    return this.stripe ? 'stripe' : 'manual';
  }

  /** Creates a workspace on a plan, starts its subscription and grants its first period, in one transaction. */
  async openWorkspace(input: NewWorkspace): Promise<Workspace> {
    const plan = this.catalog.plan(input.plan);
    const now = this.clock();
    return this.store.transaction(async (tx, db) => {
      const workspace = await insertWorkspace(db, input, now, terms(plan).overageLimit);
      await startSubscription({ tx, db, now }, workspace, plan);
      return workspace;
    });
  }

  /** The workspace's subscription; one that predates billing is started on its plan, with no grant. */
  async subscription(workspaceId: string): Promise<Subscription> {
    const found = await findSubscription(this.store.db, workspaceId);
    if (found) return found;
    const workspace = await this.store.reader().lockAccount(workspaceId);
    if (!workspace) throw new TallyError('not_found', `Workspace ${workspaceId} does not exist.`);
    return insertSubscription(this.store.db, workspace, this.clock());
  }

  /**
   * A workspace asks for `planId`. An upgrade goes through Stripe Checkout when Stripe is set up
   * (credits come with the paid session's webhook), else it applies at once; a downgrade is
   * scheduled for the next period (and Stripe told to bill the lower price from then).
   */
  async requestPlan(workspaceId: string, planId: string, requester: Requester): Promise<PlanRequestResult> {
    const target = this.catalog.plan(planId);
    // Renewals first, so an upgrade tops up the period that is really current.
    await renewWorkspace(this.store, this.catalog, this.events, workspaceId, this.clock());
    const subscription = await this.subscription(workspaceId);
    const current = this.catalog.planOrFallback(subscription.plan);
    const change = classifyPlanChange(terms(current), terms(target));

    if (this.stripe && !requester.asOperator) {
      if (change === 'upgrade') {
        const checkout = await this.stripe.checkoutForPlan({
          workspaceId,
          plan: target,
          customerId: subscription.stripeCustomerId,
          returnUrl: requester.returnUrl,
          idempotencyKey: requester.idempotencyKey,
        });
        return { kind: 'checkout', checkoutUrl: checkout.url, sessionId: checkout.sessionId, subscription };
      }
      if (subscription.provider === 'stripe' && subscription.stripeSubscriptionId) {
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
    const credits = creditsToMillicredits(pack.credits);
    if (this.stripe && !requester.asOperator) {
      const subscription = await this.subscription(workspaceId);
      const checkout = await this.stripe.checkoutForPack({
        workspaceId,
        pack,
        credits,
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
        { id: pack.id, name: pack.name, credits, validityMonths: pack.validityMonths },
        { provider: 'manual', id: paymentId },
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
      packs: this.catalog.data.packs,
      provider: this.provider,
    };
  }

  /** Grants every period that has started; main.ts runs it at start and every minute, in every process. */
  renewDue(): Promise<RenewalReport> {
    return renewDue(this.store, this.catalog, this.events, this.clock());
  }
}

import { type Period, periodAt } from '../domain/periods.ts';
import type { Db, SubscriptionsTable } from '../store/schema.ts';

export interface Subscription {
  workspaceId: string;
  plan: string;
  pendingPlan: string | null;
  status: 'active' | 'past_due';
  provider: 'manual' | 'stripe';
  periodAnchor: Date;
  /** The latest period whose grant has been made. */
  currentPeriod: Period;
  paidThrough: Date | null;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(Number(ms)));

function fromRow(row: SubscriptionsTable): Subscription {
  return {
    workspaceId: row.workspace_id,
    plan: row.plan,
    pendingPlan: row.pending_plan,
    status: row.status,
    provider: row.provider,
    periodAnchor: new Date(Number(row.period_anchor)),
    currentPeriod: {
      start: new Date(Number(row.current_period_start)),
      end: new Date(Number(row.current_period_end)),
    },
    paidThrough: date(row.paid_through),
    stripeCustomerId: row.stripe_customer_id,
    stripeSubscriptionId: row.stripe_subscription_id,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export async function findSubscription(db: Db, workspaceId: string): Promise<Subscription | null> {
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** Every subscription billed by hand (no Stripe subscription), oldest workspace id first. */
export async function listManualSubscriptions(db: Db): Promise<Subscription[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('provider', '=', 'manual')
    .orderBy('workspace_id')
    .execute();
  return rows.map(fromRow);
}

export async function findByStripeSubscription(db: Db, stripeId: string): Promise<Subscription | null> {
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('stripe_subscription_id', '=', stripeId)
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

/**
 * Starts a subscription whose current period counts as granted: a new workspace's first period is
 * granted in the same transaction, and a workspace that predates billing kept whatever it was given.
 * A second process doing the same at the same moment changes nothing.
 */
export async function insertSubscription(
  db: Db,
  workspace: { id: string; plan: string; periodAnchor: Date },
  now: Date,
): Promise<Subscription> {
  const period = periodAt(workspace.periodAnchor, now);
  await db
    .insertInto('subscriptions')
    .values({
      workspace_id: workspace.id,
      plan: workspace.plan,
      pending_plan: null,
      status: 'active',
      provider: 'manual',
      period_anchor: workspace.periodAnchor.getTime(),
      current_period_start: period.start.getTime(),
      current_period_end: period.end.getTime(),
      paid_through: null,
      stripe_customer_id: null,
      stripe_subscription_id: null,
      created_at: now.getTime(),
      updated_at: now.getTime(),
    })
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
  const stored = await findSubscription(db, workspace.id);
  if (!stored) throw new Error(`subscription of ${workspace.id} was not stored`);
  return stored;
}

export type SubscriptionChanges = Partial<Omit<SubscriptionsTable, 'workspace_id' | 'created_at' | 'period_anchor'>>;

export async function updateSubscription(
  db: Db,
  workspaceId: string,
  changes: SubscriptionChanges,
  now: Date,
): Promise<void> {
  await db
    .updateTable('subscriptions')
    .set({ ...changes, updated_at: now.getTime() })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/** Of `workspaceIds`, those that have a subscription. */
export async function subscribedAmong(db: Db, workspaceIds: readonly string[]): Promise<Set<string>> {
  if (workspaceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('subscriptions')
    .select('workspace_id')
    .where('workspace_id', 'in', workspaceIds)
    .execute();
  return new Set(rows.map((row) => row.workspace_id));
}

/** The workspaces after `after`, by id, whose current period has ended by `now`: at most `limit`. */
export async function dueForRenewal(db: Db, now: Date, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .select('workspace_id')
    .where('current_period_end', '<=', now.getTime())
    .where('workspace_id', '>', after)
    .orderBy('workspace_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.workspace_id);
}

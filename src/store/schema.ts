import type { Generated, Kysely, Transaction } from 'kysely';
import type { UsageFiguresRow } from '../domain/usage-slots.ts';

/**
 * One interface per table. Times are epoch milliseconds (bigint in PostgreSQL, integer in SQLite);
 * amounts are integer millicredits. Every table is keyed by workspace so the schema can shard by it:
 * each primary and unique key starts with `workspace_id` (`id` in `workspaces`), except the
 * reference tables named in src/store/migrations/workspace-keys.test.ts (docs/scaling.md).
 */
export interface WorkspacesTable {
  id: string;
  name: string;
  plan: string;
  /** The limit in force: the operator's override when set, else the plan's. */
  overage_limit: number;
  /** The operator's choice, kept across plan changes and renewals; null follows the plan. */
  overage_limit_override: number | null;
  /** Overage spent beyond every grant; settled from the next credits that arrive. */
  overage_debt: number;
  period_anchor: number;
  created_at: number;
  /** Spend limits and their counters of one period (migration 009, src/store/spend-limit-column.ts); null: none. */
  spend_limits: string | null;
}

export interface GrantsTable {
  workspace_id: string;
  id: string;
  source: string;
  amount: number;
  remaining: number;
  priority: number;
  effective_at: number;
  expires_at: number | null;
  reason: string;
  fingerprint: string;
  created_at: number;
}

export interface LedgerLinesTable {
  seq: Generated<number>;
  workspace_id: string;
  at: number;
  kind: string;
  amount: number;
  grant_id: string | null;
  response_id: string | null;
  reason: string;
  balance_after: number;
}

export interface ResponsesTable {
  workspace_id: string;
  id: string;
  conversation_id: string;
  channel: string;
  agent_id: string;
  features: string;
  occurred_at: number;
  cost: number;
  rate_card_version: number;
  reservation_id: string | null;
  fingerprint: string;
  available_after: number;
  draws: string;
  status: string;
  created_at: number;
}

export interface ConversationsTable {
  workspace_id: string;
  id: string;
  channel: string;
  agent_id: string;
  started_at: number;
  created_at: number;
}

export interface HoldsTable {
  workspace_id: string;
  id: string;
  amount: number;
  expires_at: number;
  status: string;
  fingerprint: string;
  idempotency_key: string | null;
  created_at: number;
}

export interface DailyRollupsTable {
  workspace_id: string;
  day: string;
  channel: string;
  agent_id: string;
  credits_used: number;
  responses: number;
  conversations: number;
}

/** Usage by UTC quarter hour (src/domain/usage-slots.ts), so any time zone's days are exact sums of rows. */
export interface UsageSlotsTable extends UsageFiguresRow {
  workspace_id: string;
  slot: number;
}

/** Usage by local day in the workspace's zone, rebuilt from `usage_slots` when the zone changes. */
export interface UsageDaysTable extends UsageFiguresRow {
  workspace_id: string;
  /** `YYYY-MM-DD` in the workspace's zone. */
  day: string;
}

/** A workspace's own choices; no row means the defaults. */
export interface WorkspaceSettingsTable {
  workspace_id: string;
  /** IANA name the dashboard and the usage reads count days in. */
  time_zone: string;
  updated_at: number;
}

export interface RateCardsTable {
  version: number;
  effective_at: number;
  base_cost: number;
  features: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string | null;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

/** A workspace's own Twilio account; the secret (Auth Token or API key secret) only ever sealed. */
export interface TwilioConnectionsTable {
  workspace_id: string;
  account_sid: string;
  auth_kind: 'auth_token' | 'api_key';
  api_key_sid: string | null;
  /** secret-box output, bound to the workspace and account SID so a row cannot be moved to another. */
  secret_sealed: string;
  connected_at: number;
}

/**
 * The last figures Twilio returned, so a restart or an outage still has something to show: the
 * balance and the usage apart, each with its own time. Money stays Twilio's decimal strings.
 */
export interface TwilioFiguresTable {
  workspace_id: string;
  account_sid: string;
  balance: string | null;
  currency: string | null;
  balance_fetched_at: number | null;
  /** JSON of the usage part (see src/twilio/twilio-rows.ts). */
  usage: string | null;
  usage_fetched_at: number | null;
}

/** A person who signs in to a workspace's dashboard; the password only as an scrypt hash with its own salt. */
export interface UsersTable {
  id: string;
  workspace_id: string;
  email: string;
  /** `scrypt$N$r$p$salt$hash`, base64url parts: the cost travels with the hash so it can be raised later. */
  password_hash: string;
  created_at: number;
}

/** A signed-in dashboard; `id` is the SHA-256 of the cookie's token, never the token. */
export interface SessionsTable {
  id: string;
  /** Null for a session opened by a dashboard link: the host platform's user, not one of ours. */
  user_id: string | null;
  workspace_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  role: DashboardRole;
  return_url: string | null;
}

export type DashboardRole = 'viewer' | 'admin';

/** One-time links that open a dashboard session (migration 008). */
export interface DashboardLinksTable {
  workspace_id: string;
  token_hash: string;
  role: DashboardRole;
  return_url: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Sign-in attempts per (email, address) in the current window. */
export interface SignInAttemptsTable {
  key: string;
  window_start: number;
  attempts: number;
}

/** The credit state last announced for a workspace, and its own low-credit threshold (null: the default). */
export interface AlertStatesTable {
  workspace_id: string;
  /** Null until a state is first announced. */
  state: 'ok' | 'low' | 'depleted' | null;
  threshold_kind: 'share' | 'absolute' | null;
  /** share: basis points of the period's allocation; absolute: millicredits. */
  threshold_value: number | null;
  updated_at: number;
}

/** Where the operator wants events POSTed; the secret signs them. */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  /** Space-separated event types. */
  events: string;
  description: string;
  secret: string;
  idempotency_key: string | null;
  fingerprint: string;
  created_at: number;
  deleted_at: number | null;
}

/** The outbox: one row per event, written in the transaction that caused it. */
export interface WebhookEventsTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  type: string;
  /** JSON, sent as the event's `data`. */
  data: string;
  dedupe_key: string | null;
  created_at: number;
}

/** One event on its way to one subscription. */
export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  event_seq: number;
  subscription_id: string;
  workspace_id: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: number;
  lease_token: string | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

/** The delivery log: one row per POST tried. */
export interface WebhookAttemptsTable {
  seq: Generated<number>;
  /** The delivery's workspace (migration 016), so the log lives on the delivery's shard. */
  workspace_id: string;
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  duration_ms: number;
}

/** A workspace's plan and where its periods stand; renewal grants each period after `current_period_start` once. */
export interface SubscriptionsTable {
  workspace_id: string;
  plan: string;
  /** A downgrade waiting for the next period start. */
  pending_plan: string | null;
  status: 'active' | 'past_due';
  provider: 'manual' | 'stripe';
  period_anchor: number;
  /** The latest period whose grant has been made. */
  current_period_start: number;
  current_period_end: number;
  /** Stripe: where the paid invoices' service periods reach; a paid period is granted only once this passes its start. */
  paid_through: number | null;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  created_at: number;
  updated_at: number;
}

/** The agents a workspace has registered; the plan limits how many. */
export interface AgentsTable {
  workspace_id: string;
  id: string;
  name: string;
  created_at: number;
}

/** Every Stripe event handled, so a redelivered event changes nothing. */
export interface StripeEventsTable {
  id: string;
  type: string;
  workspace_id: string | null;
  outcome: string;
  received_at: number;
}

export interface AutoTopUpsTable {
  workspace_id: string;
  enabled: number;
  threshold: number;
  pack: string;
  max_per_month: number;
  armed: number;
  crossings: number;
  updated_at: number;
}

export type AutoTopUpStatus = 'pending' | 'paying' | 'processing' | 'succeeded' | 'failed' | 'requires_action';

export interface AutoTopUpAttemptsTable {
  id: string;
  workspace_id: string;
  crossing: number;
  pack_id: string;
  pack_name: string;
  credits: number;
  validity_months: number;
  amount: number;
  currency: string;
  status: AutoTopUpStatus;
  payment_provider: 'stripe' | 'manual';
  payment_id: string | null;
  grant_id: string | null;
  error: string | null;
  action_url: string | null;
  lease_until: number | null;
  created_at: number;
  paid_at: number | null;
  updated_at: number;
}

/** A payment Stripe took (a paid invoice or Checkout Session), for the billing history (migration 013). */
export interface StripePaymentsTable {
  workspace_id: string;
  /** The invoice or Checkout Session id. */
  id: string;
  at: number;
  description: string;
  /** In the currency's smallest unit, as Stripe gives it (cents). */
  amount: number;
  currency: string;
  /** The hosted invoice or the charge's receipt. */
  document_url: string | null;
}

/** A workspace's usage levels (JSON, null: the defaults) and the ones reached (JSON: level key → period start). */
export interface AlertLevelsTable {
  workspace_id: string;
  levels: string | null;
  reached: string;
  updated_at: number;
}

/** One row: whether this deployment queues mail (TALLY_SMTP_URL set). */
export interface EmailSettingsTable {
  id: number;
  enabled: number;
  updated_at: number;
}

/** One event on its way to one dashboard user by e-mail. */
export interface EmailDeliveriesTable {
  workspace_id: string;
  id: string;
  event_id: string;
  event_seq: number;
  user_id: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: number;
  lease_token: string | null;
  last_attempt_at: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

/** A dashboard user who unsubscribed from the workspace's e-mail notices. */
export interface EmailOptOutsTable {
  workspace_id: string;
  user_id: string;
  created_at: number;
}

export interface Database {
  workspaces: WorkspacesTable;
  grants: GrantsTable;
  ledger_lines: LedgerLinesTable;
  responses: ResponsesTable;
  conversations: ConversationsTable;
  holds: HoldsTable;
  daily_rollups: DailyRollupsTable;
  usage_slots: UsageSlotsTable;
  usage_days: UsageDaysTable;
  workspace_settings: WorkspaceSettingsTable;
  rate_cards: RateCardsTable;
  api_keys: ApiKeysTable;
  twilio_connections: TwilioConnectionsTable;
  twilio_figures: TwilioFiguresTable;
  users: UsersTable;
  sessions: SessionsTable;
  dashboard_links: DashboardLinksTable;
  sign_in_attempts: SignInAttemptsTable;
  alert_states: AlertStatesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  subscriptions: SubscriptionsTable;
  agents: AgentsTable;
  stripe_events: StripeEventsTable;
  auto_top_ups: AutoTopUpsTable;
  auto_top_up_attempts: AutoTopUpAttemptsTable;
  stripe_payments: StripePaymentsTable;
  alert_levels: AlertLevelsTable;
  email_settings: EmailSettingsTable;
  email_deliveries: EmailDeliveriesTable;
  email_opt_outs: EmailOptOutsTable;
}

/**
 * The handles the owners of tables take (src/store/table-owners.ts): a connection, or a transaction the
 * caller opened. Other modules only pass them on, so their work joins the caller's transaction.
 */
export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

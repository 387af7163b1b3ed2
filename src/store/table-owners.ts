import type { Database } from './schema.ts';

/**
 * Who may query each table: one module, a file or a few files of one folder named for the table's
 * concern (a path ending in `/` is the whole folder). Everyone else calls that module. src/store
 * may query every table: it is the Store the ledger runs on, and its migrations. The table
 * `table-owners.test.ts` checks the code against this, and biome.json lets only these files import
 * Kysely.
 */
export const TABLE_OWNERS: Record<keyof Database, readonly string[]> = {
  workspaces: ['src/ledger/'],
  workspace_settings: ['src/ledger/'],
  grants: ['src/ledger/'],
  ledger_lines: ['src/ledger/'],
  responses: ['src/ledger/'],
  conversations: ['src/ledger/'],
  holds: ['src/ledger/'],
  daily_rollups: ['src/ledger/'],
  usage_slots: ['src/ledger/'],
  usage_days: ['src/ledger/'],
  rate_cards: ['src/ledger/'],

  api_keys: ['src/keys/api-keys.ts'],

  twilio_connections: ['src/twilio/twilio-rows.ts'],
  twilio_figures: ['src/twilio/twilio-rows.ts'],

  users: ['src/users/users.ts', 'src/users/sessions.ts'],
  sessions: ['src/users/sessions.ts', 'src/users/users.ts'],
  dashboard_links: ['src/users/dashboard-links.ts'],
  sign_in_attempts: ['src/users/sign-in-limiter.ts'],

  subscriptions: ['src/billing/subscription-rows.ts'],
  agents: ['src/billing/agents.ts'],
  stripe_events: ['src/billing/stripe/stripe-webhooks.ts'],
  stripe_payments: ['src/billing/stripe/stripe-payment-rows.ts'],
  auto_top_ups: ['src/billing/auto-top-up/rows.ts'],
  auto_top_up_attempts: ['src/billing/auto-top-up/rows.ts'],

  alert_states: ['src/alerts/credit-alerts.ts'],
  alert_levels: ['src/alerts/alert-levels.ts'],
  // The outbox: events, the subscriptions they go to, and the webhook and e-mail deliveries of each.
  webhook_subscriptions: [
    'src/alerts/subscriptions.ts',
    'src/alerts/signing-secrets.ts',
    'src/alerts/events.ts',
    'src/alerts/delivery.ts',
  ],
  webhook_events: [
    'src/alerts/events.ts',
    'src/alerts/subscriptions.ts',
    'src/alerts/delivery.ts',
    'src/alerts/email-delivery.ts',
  ],
  webhook_deliveries: [
    'src/alerts/events.ts',
    'src/alerts/subscriptions.ts',
    'src/alerts/delivery.ts',
    'src/alerts/outbox-claim.ts',
  ],
  webhook_attempts: ['src/alerts/delivery.ts', 'src/alerts/subscriptions.ts'],
  email_settings: ['src/alerts/email-queue.ts'],
  email_deliveries: ['src/alerts/email-queue.ts', 'src/alerts/email-delivery.ts', 'src/alerts/outbox-claim.ts'],
  email_opt_outs: ['src/alerts/email-queue.ts', 'src/alerts/email-notices.ts', 'src/alerts/email-delivery.ts'],
};

/** Whether `file` (a path from the repository root) may query `table`. */
export function mayQuery(file: string, table: keyof Database): boolean {
  if (file.startsWith('src/store/')) return true;
  return TABLE_OWNERS[table].some((owner) => (owner.endsWith('/') ? file.startsWith(owner) : file === owner));
}

/**
 * Request and reply shapes of Tally's HTTP API as the client sends and reads them. Declared here,
 * not imported from the server's src/contract, so the package stands alone; client.test.ts checks
 * them against the /openapi.json a real Tally serves.
 */

export type Channel = 'call' | 'chat';

export interface ConversationInput {
  id: string;
  channel: Channel;
  agentId: string;
  startedAt?: string;
}

export interface Conversation {
  id: string;
  channel: Channel;
  agentId: string;
  startedAt: string;
}

export interface ResponseInput {
  id: string;
  conversationId: string;
  channel: Channel;
  agentId: string;
  features?: string[];
  occurredAt?: string;
  reservationId?: string;
}

/** What a charge cost and the balance after it, in credits. */
export interface Charge {
  id: string;
  cost: number;
  balance: { available: number };
}

export interface BatchResult {
  results: Array<{
    id: string | null;
    status: number;
    cost?: number;
    error?: { code: string; message: string; details?: Record<string, unknown> };
  }>;
  balance: { available: number };
}

export interface CheckInput {
  features?: string[];
  count?: number;
  /** The agent about to respond: its own spend limit is checked too. */
  agentId?: string;
}

export interface CheckResult {
  allowed: boolean;
  cost: number;
  available: number;
  /** Why it is not allowed. */
  reason?: 'insufficient_credits' | 'spend_limit_reached';
}

export interface ReservationInput {
  features?: string[];
  count?: number;
  ttlSeconds?: number;
  /** The agent the hold is for: its own spend limit is checked too. */
  agentId?: string;
}

export interface Reservation {
  id: string;
  amount: number;
  expiresAt: string;
  status: 'held' | 'committed' | 'released';
}

/** The response a reservation is committed for: its id makes the commit idempotent. */
export type CommitInput = Omit<ResponseInput, 'reservationId'>;

export interface Refund {
  id: string;
  refunded: number;
  balance: { available: number };
}

export interface Grant {
  id: string;
  source: string;
  amount: number;
  remaining: number;
  priority: number;
  effectiveAt: string;
  expiresAt: string | null;
  reason: string;
}

export interface GrantInput {
  id: string;
  amount: number;
  source: 'promotion' | 'adjustment' | 'purchase';
  reason: string;
  expiresAt?: string;
  effectiveAt?: string;
  priority?: number;
}

export interface Balance {
  available: number;
  held: number;
  period: { start: string; end: string; granted: number; used: number };
  grants: Grant[];
  low: boolean;
  upgrade?: { url: string; reason: string };
  agents: { used: number; allowed: number | null };
}

export type SpendLimitMode = 'block' | 'alert';

/** PUT /v1/limits: a part left out stays; `workspace: null` removes it; `agents` replaces the list. */
export interface SpendLimitsInput {
  workspace?: { credits: number; mode: SpendLimitMode } | null;
  agents?: Array<{ agentId: string; credits: number; mode: SpendLimitMode }>;
}

export interface SpendLimitProgress {
  credits: number;
  mode: SpendLimitMode;
  /** This billing period's charges after refunds, in credits. */
  used: number;
  /** limit.reached was sent for it this period. */
  reached: boolean;
}

export interface SpendLimits {
  period: { start: string; end: string };
  workspace: SpendLimitProgress | null;
  agents: Array<SpendLimitProgress & { agentId: string }>;
}

export interface UsageSummary {
  from: string;
  to: string;
  creditsUsed: number;
  calls: number;
  chats: number;
  responses: number;
}

/** With Stripe a checkout URL; with manual payments the resulting grant. */
export interface Purchase {
  checkoutUrl?: string;
  grant?: Grant;
}

export interface DashboardSessionInput {
  role?: 'viewer' | 'admin';
  returnUrl?: string;
  ttlSeconds?: number;
}

export interface DashboardSession {
  url: string;
  expiresAt: string;
}

export interface WorkspaceInput {
  name: string;
  plan: string;
}

export interface Workspace {
  id: string;
  name: string;
  plan: string;
  createdAt: string;
}

export type Scope = 'ingest' | 'read' | 'admin';

export interface KeyInput {
  scopes: Scope[];
  name?: string;
}

export interface ApiKey {
  id: string;
  key: string;
  prefix: string;
  scopes: Scope[];
}

export type WebhookEventType =
  | 'credits.low'
  | 'credits.depleted'
  | 'credits.recovered'
  | 'subscription.renewed'
  | 'purchase.completed';

export interface WebhookInput {
  url: string;
  events: WebhookEventType[];
  description?: string;
}

export interface WebhookSubscription {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string;
  createdAt: string;
  /** The Standard Webhooks secret (`whsec_…`), shown only when the subscription is created. */
  secret: string;
}

/** One event as a webhook receiver gets it. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  workspaceId: string;
  data: Record<string, unknown>;
}

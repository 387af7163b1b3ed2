import type { Generated } from 'kysely';

/**
 * One interface per table. Times are epoch milliseconds (bigint in PostgreSQL, integer in SQLite);
 * amounts are integer millicredits. Every table is keyed by workspace so the schema can shard by it.
 */
export interface WorkspacesTable {
  id: string;
  name: string;
  plan: string;
  overage_limit: number;
  /** Overage spent beyond every grant; settled from the next credits that arrive. */
  overage_debt: number;
  period_anchor: number;
  created_at: number;
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

/** The first answer to an `Idempotency-Key` request, replayed byte for byte to a retry. */
export interface IdempotencyRecordsTable {
  workspace_id: string;
  key: string;
  fingerprint: string;
  status_code: number;
  body: string;
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
  rate_cards: RateCardsTable;
  api_keys: ApiKeysTable;
  idempotency_records: IdempotencyRecordsTable;
}

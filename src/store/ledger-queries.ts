import { type Kysely, sql, type Transaction } from 'kysely';
import type { Millicredits } from '../domain/amounts.ts';
import { dayIn, UTC, utcDay } from '../domain/days.ts';
import type { GrantSource } from '../domain/grants.ts';
import type { RateCard } from '../domain/rate-card.ts';
import type { SpendLimits } from '../domain/spend-limits.ts';
import { slotOf } from '../domain/usage-slots.ts';
import type { BalanceObservers, ObserverLoads } from './balance-observers.ts';
import type { Database, GrantsTable, HoldsTable, ResponsesTable, WorkspacesTable } from './schema.ts';
import { spendLimitsFromColumn, spendLimitsToColumn } from './spend-limit-column.ts';
import type {
  Account,
  BalanceChange,
  Channel,
  Conversation,
  Hold,
  LedgerNeeds,
  LedgerTx,
  NewLedgerLine,
  OpenedAccount,
  RollupDelta,
  StoredGrant,
  StoredResponse,
} from './store.ts';

type Executor = Kysely<Database> | Transaction<Database>;

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(Number(ms)));

export function accountFromRow(row: WorkspacesTable & { time_zone: string | null }): Account {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    overageLimit: Number(row.overage_limit),
    overageDebt: Number(row.overage_debt),
    periodAnchor: new Date(Number(row.period_anchor)),
    createdAt: new Date(Number(row.created_at)),
    spendLimits: spendLimitsFromColumn(row.spend_limits),
    timeZone: row.time_zone ?? UTC,
  };
}

export function grantFromRow(row: GrantsTable): StoredGrant {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    source: row.source as GrantSource,
    amount: Number(row.amount),
    remaining: Number(row.remaining),
    priority: row.priority,
    effectiveAt: new Date(Number(row.effective_at)),
    expiresAt: toDate(row.expires_at),
    createdAt: new Date(Number(row.created_at)),
    reason: row.reason,
    fingerprint: row.fingerprint,
  };
}

export function grantRow(grant: StoredGrant): GrantsTable {
  return {
    workspace_id: grant.workspaceId,
    id: grant.id,
    source: grant.source,
    amount: grant.amount,
    remaining: grant.remaining,
    priority: grant.priority,
    effective_at: grant.effectiveAt.getTime(),
    expires_at: grant.expiresAt?.getTime() ?? null,
    reason: grant.reason,
    fingerprint: grant.fingerprint,
    created_at: grant.createdAt.getTime(),
  };
}

export function holdRow(hold: Hold): HoldsTable {
  return {
    workspace_id: hold.workspaceId,
    id: hold.id,
    amount: hold.amount,
    expires_at: hold.expiresAt.getTime(),
    status: hold.status,
    fingerprint: hold.fingerprint,
    idempotency_key: hold.idempotencyKey,
    created_at: hold.createdAt.getTime(),
  };
}

export function lineRow(line: NewLedgerLine) {
  return {
    workspace_id: line.workspaceId,
    at: line.at.getTime(),
    kind: line.kind,
    amount: line.amount,
    grant_id: line.grantId,
    response_id: line.responseId,
    reason: line.reason,
    balance_after: line.balanceAfter,
  };
}

export function responseFromRow(row: ResponsesTable): StoredResponse {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    conversationId: row.conversation_id,
    channel: row.channel as Channel,
    agentId: row.agent_id,
    features: JSON.parse(row.features) as string[],
    occurredAt: new Date(Number(row.occurred_at)),
    cost: Number(row.cost),
    rateCardVersion: row.rate_card_version,
    reservationId: row.reservation_id,
    fingerprint: row.fingerprint,
    availableAfter: Number(row.available_after),
    draws: JSON.parse(row.draws) as StoredResponse['draws'],
    status: row.status as StoredResponse['status'],
    createdAt: new Date(Number(row.created_at)),
  };
}

export function holdFromRow(row: HoldsTable): Hold {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    amount: Number(row.amount),
    expiresAt: new Date(Number(row.expires_at)),
    status: row.status as Hold['status'],
    fingerprint: row.fingerprint,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(Number(row.created_at)),
  };
}

export function responseRow(response: StoredResponse) {
  return {
    workspace_id: response.workspaceId,
    id: response.id,
    conversation_id: response.conversationId,
    channel: response.channel,
    agent_id: response.agentId,
    features: JSON.stringify(response.features),
    occurred_at: response.occurredAt.getTime(),
    cost: response.cost,
    rate_card_version: response.rateCardVersion,
    reservation_id: response.reservationId,
    fingerprint: response.fingerprint,
    available_after: response.availableAfter,
    draws: JSON.stringify(response.draws),
    status: response.status,
    created_at: response.createdAt.getTime(),
  };
}

export function conversationRow(conversation: Conversation, now: Date) {
  return {
    workspace_id: conversation.workspaceId,
    id: conversation.id,
    channel: conversation.channel,
    agent_id: conversation.agentId,
    started_at: conversation.startedAt.getTime(),
    created_at: now.getTime(),
  };
}

export function conversationFromRow(row: {
  workspace_id: string;
  id: string;
  channel: string;
  agent_id: string;
  started_at: number;
}): Conversation {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    channel: row.channel as Channel,
    agentId: row.agent_id,
    startedAt: new Date(Number(row.started_at)),
  };
}

/**
 * The ledger's queries written once with Kysely: every reader of both dialects, and the base that each
 * dialect's transaction overrides on the hot path (src/store/sqlite/sqlite-ledger-tx.ts,
 * src/store/postgres/postgres-ledger-tx.ts). It locks nothing itself: SQLite's transactions begin
 * IMMEDIATE and so already hold the database's single write lock, and PostgreSQL's override the lock.
 */
export class KyselyLedgerTx implements LedgerTx {
  constructor(
    protected readonly db: Executor,
    /** Given only to a transaction's LedgerTx: whom to tell of balance changes, and the transaction to tell them in. */
    protected readonly observed: { observers: BalanceObservers; trx: Transaction<Database> } | null = null,
  ) {}

  /**
   * Held sums already read in this transaction. The account lock means holds change only through
   * this object, so a sum stays true until it writes a hold; the ledger and its observers then read
   * the same sum several times per charge without a query each.
   */
  protected readonly heldSums = new Map<string, Millicredits>();

  get balanceObserved(): boolean {
    return this.observed?.observers.any ?? false;
  }

  /** What the observers loaded in this transaction, by workspace (`watchBalance`). */
  private readonly loads = new Map<string, ObserverLoads>();

  async watchBalance(workspaceId: string, at: Date): Promise<void> {
    if (this.observed)
      this.loads.set(workspaceId, await this.observed.observers.load(this.observed.trx, workspaceId, at));
  }

  async reportBalance(change: BalanceChange): Promise<void> {
    if (!this.observed) return;
    const loads = this.loads.get(change.workspaceId);
    if (!loads) throw new Error('reportBalance before watchBalance: the observers have read nothing');
    await this.observed.observers.decide(change, loads, this.observed.trx);
  }

  lockAccount(workspaceId: string): Promise<Account | null> {
    return this.readAccount(workspaceId);
  }

  async openAccount(workspaceId: string, _now?: Date, _needs?: LedgerNeeds): Promise<OpenedAccount | null> {
    const account = await this.lockAccount(workspaceId);
    return account && { account, grants: await this.openGrants(workspaceId) };
  }

  /** Writes here go to the database at once: nothing is held back. */
  applyWrites(): void {}

  async readAccount(workspaceId: string): Promise<Account | null> {
    // The zone comes with the account, so a charge knows its usage day without another round trip.
    const row = await this.db
      .selectFrom('workspaces')
      .leftJoin('workspace_settings', 'workspace_settings.workspace_id', 'workspaces.id')
      .selectAll('workspaces')
      .select('workspace_settings.time_zone')
      .where('workspaces.id', '=', workspaceId)
      .executeTakeFirst();
    return row ? accountFromRow(row) : null;
  }

  async setOverageDebt(workspaceId: string, debt: Millicredits): Promise<void> {
    await this.db.updateTable('workspaces').set({ overage_debt: debt }).where('id', '=', workspaceId).execute();
  }

  async setSpendLimits(workspaceId: string, limits: SpendLimits | null): Promise<void> {
    await this.db
      .updateTable('workspaces')
      .set({ spend_limits: spendLimitsToColumn(limits) })
      .where('id', '=', workspaceId)
      .execute();
  }

  async spendBetween(workspaceId: string, from: Date, to: Date) {
    const rows = await this.db
      .selectFrom('responses')
      .select((eb) => ['agent_id', eb.fn.sum<number>('cost').as('spent')])
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'charged')
      .where('created_at', '>=', from.getTime())
      .where('created_at', '<', to.getTime())
      .groupBy('agent_id')
      .execute();
    const byAgent = new Map(rows.map((row) => [row.agent_id, Number(row.spent)]));
    return { total: [...byAgent.values()].reduce((sum, spent) => sum + spent, 0), byAgent };
  }

  async openGrants(workspaceId: string): Promise<StoredGrant[]> {
    const rows = await this.db
      .selectFrom('grants')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('remaining', '>', 0)
      .execute();
    return rows.map(grantFromRow);
  }

  async findGrant(workspaceId: string, id: string): Promise<StoredGrant | null> {
    const row = await this.db
      .selectFrom('grants')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? grantFromRow(row) : null;
  }

  async insertGrant(grant: StoredGrant): Promise<void> {
    await this.db.insertInto('grants').values(grantRow(grant)).execute();
  }

  async adjustGrant(workspaceId: string, grantId: string, delta: Millicredits): Promise<boolean> {
    const result = await this.db
      .updateTable('grants')
      .set((eb) => ({ remaining: eb('remaining', '+', delta) }))
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', grantId)
      .where((eb) => eb(eb('remaining', '+', delta), '>=', 0))
      .where((eb) => eb(eb('remaining', '+', delta), '<=', eb.ref('amount')))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async appendLedger(lines: readonly NewLedgerLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.db.insertInto('ledger_lines').values(lines.map(lineRow)).execute();
  }

  async findResponse(workspaceId: string, id: string): Promise<StoredResponse | null> {
    const row = await this.db
      .selectFrom('responses')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? responseFromRow(row) : null;
  }

  async insertResponse(response: StoredResponse): Promise<void> {
    await this.db.insertInto('responses').values(responseRow(response)).execute();
  }

  async markResponseRefunded(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('responses')
      .set({ status: 'refunded' })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('status', '=', 'charged')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertConversation(conversation: Conversation, now: Date): Promise<boolean> {
    const result = await this.db
      .insertInto('conversations')
      .values(conversationRow(conversation, now))
      .onConflict((oc) => oc.columns(['workspace_id', 'id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findConversation(workspaceId: string, id: string): Promise<Conversation | null> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? conversationFromRow(row) : null;
  }

  async findHold(workspaceId: string, id: string): Promise<Hold | null> {
    const row = await this.db
      .selectFrom('holds')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? holdFromRow(row) : null;
  }

  async findHoldByKey(workspaceId: string, key: string): Promise<Hold | null> {
    const row = await this.db
      .selectFrom('holds')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row ? holdFromRow(row) : null;
  }

  async insertHold(hold: Hold): Promise<void> {
    this.heldSums.clear();
    await this.db.insertInto('holds').values(holdRow(hold)).execute();
  }

  async closeHold(workspaceId: string, id: string, status: 'committed' | 'released'): Promise<boolean> {
    this.heldSums.clear();
    const result = await this.db
      .updateTable('holds')
      .set({ status })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('status', '=', 'held')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async heldAmount(workspaceId: string, now: Date, exceptHoldId?: string): Promise<Millicredits> {
    const key = `${workspaceId} ${now.getTime()} ${exceptHoldId ?? ''}`;
    const known = this.observed ? this.heldSums.get(key) : undefined;
    if (known !== undefined) return known;
    let query = this.db
      .selectFrom('holds')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), sql<number>`0`).as('held'))
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'held')
      .where('expires_at', '>', now.getTime());
    if (exceptHoldId !== undefined) query = query.where('id', '!=', exceptHoldId);
    const row = await query.executeTakeFirstOrThrow();
    const held = Number(row.held);
    if (this.observed) this.heldSums.set(key, held);
    return held;
  }

  /** The three rollup rows in one statement: one round trip on PostgreSQL. */
  async bumpRollup(delta: RollupDelta): Promise<void> {
    const figures = {
      channel: delta.channel,
      agent_id: delta.agentId,
      credits_used: delta.creditsUsed,
      responses: delta.responses,
      conversations: delta.conversations,
    };
    const features = JSON.stringify(delta.features);
    await this.db
      .with('daily', (db) =>
        db
          .insertInto('daily_rollups')
          .values({ workspace_id: delta.workspaceId, day: utcDay(delta.at), ...figures })
          .onConflict((oc) =>
            oc.columns(['workspace_id', 'day', 'channel', 'agent_id']).doUpdateSet((eb) => ({
              credits_used: eb('daily_rollups.credits_used', '+', eb.ref('excluded.credits_used')),
              responses: eb('daily_rollups.responses', '+', eb.ref('excluded.responses')),
              conversations: eb('daily_rollups.conversations', '+', eb.ref('excluded.conversations')),
            })),
          ),
      )
      .with('slots', (db) =>
        db
          .insertInto('usage_slots')
          .values({ workspace_id: delta.workspaceId, slot: slotOf(delta.at), features, ...figures })
          .onConflict((oc) =>
            oc.columns(['workspace_id', 'slot', 'channel', 'agent_id', 'features']).doUpdateSet((eb) => ({
              credits_used: eb('usage_slots.credits_used', '+', eb.ref('excluded.credits_used')),
              responses: eb('usage_slots.responses', '+', eb.ref('excluded.responses')),
              conversations: eb('usage_slots.conversations', '+', eb.ref('excluded.conversations')),
            })),
          ),
      )
      .insertInto('usage_days')
      .values({ workspace_id: delta.workspaceId, day: dayIn(delta.at, delta.timeZone), features, ...figures })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'day', 'channel', 'agent_id', 'features']).doUpdateSet((eb) => ({
          credits_used: eb('usage_days.credits_used', '+', eb.ref('excluded.credits_used')),
          responses: eb('usage_days.responses', '+', eb.ref('excluded.responses')),
          conversations: eb('usage_days.conversations', '+', eb.ref('excluded.conversations')),
        })),
      )
      .execute();
  }

  async rateCards(): Promise<RateCard[]> {
    const rows = await this.db.selectFrom('rate_cards').selectAll().orderBy('effective_at').execute();
    return rows.map((row) => ({
      version: row.version,
      effectiveAt: new Date(Number(row.effective_at)),
      baseCost: Number(row.base_cost),
      features: JSON.parse(row.features) as Record<string, number>,
    }));
  }
}

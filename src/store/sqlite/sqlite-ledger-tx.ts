import type SQLite from 'better-sqlite3';
import type { Transaction } from 'kysely';
import type { Millicredits } from '../../domain/amounts.ts';
import { dayIn, utcDay } from '../../domain/days.ts';
import type { RateCard } from '../../domain/rate-card.ts';
import { slotOf } from '../../domain/usage-slots.ts';
import type { BalanceObservers } from '../balance-observers.ts';
import { accountFromRow, grantFromRow, KyselyLedgerTx, responseFromRow } from '../ledger-queries.ts';
import type { Database, GrantsTable, ResponsesTable, WorkspacesTable } from '../schema.ts';
import type {
  Account,
  Channel,
  Conversation,
  NewLedgerLine,
  RollupDelta,
  StoredGrant,
  StoredResponse,
} from '../store.ts';

/** The end of a rollup upsert: a charge's figures added to the row its key already has. */
const ADD_FIGURES = `do update set
  credits_used = credits_used + excluded.credits_used,
  responses = responses + excluded.responses,
  conversations = conversations + excluded.conversations`;

/**
 * The hot path's statements, prepared once per SQLite database. Compiling a query builder per
 * statement cost more than running the statement itself; these run in microseconds.
 */
export class SqliteStatements {
  readonly account;
  readonly setDebt;
  readonly openGrants;
  readonly adjustGrant;
  readonly appendLine;
  readonly findResponse;
  readonly insertResponse;
  readonly insertConversation;
  readonly findConversation;
  readonly held;
  readonly heldExcept;
  readonly bumpRollup;
  readonly bumpSlot;
  readonly bumpDay;
  readonly rateCardVersion;
  readonly rateCards;
  /**
   * Rate cards are append-only, so the parsed list stays right until a new version appears. Only
   * a committed read is kept here: a version read inside a transaction whose COMMIT then failed
   * never existed, and a later publish may reuse its number with other prices.
   */
  cachedCards: { version: number; cards: RateCard[] } | null = null;

  constructor(database: SQLite.Database) {
    this.account = database.prepare<[string], WorkspacesTable & { time_zone: string | null }>(
      `select w.*, s.time_zone from workspaces w left join workspace_settings s on s.workspace_id = w.id
        where w.id = ?`,
    );
    this.setDebt = database.prepare('update workspaces set overage_debt = ? where id = ?');
    this.openGrants = database.prepare<[string], GrantsTable>(
      'select * from grants where workspace_id = ? and remaining > 0',
    );
    this.adjustGrant = database.prepare(
      `update grants set remaining = remaining + @delta
        where workspace_id = @workspace and id = @grant and remaining + @delta >= 0 and remaining + @delta <= amount`,
    );
    this.appendLine = database.prepare(
      `insert into ledger_lines (workspace_id, at, kind, amount, grant_id, response_id, reason, balance_after)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.findResponse = database.prepare<[string, string], ResponsesTable>(
      'select * from responses where workspace_id = ? and id = ?',
    );
    this.insertResponse = database.prepare(
      `insert into responses (workspace_id, id, conversation_id, channel, agent_id, features, occurred_at, cost,
         rate_card_version, reservation_id, fingerprint, available_after, draws, status, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertConversation = database.prepare(
      `insert into conversations (workspace_id, id, channel, agent_id, started_at, created_at)
       values (?, ?, ?, ?, ?, ?) on conflict (workspace_id, id) do nothing`,
    );
    this.findConversation = database.prepare<
      [string, string],
      { channel: string; agent_id: string; started_at: number }
    >('select channel, agent_id, started_at from conversations where workspace_id = ? and id = ?');
    this.held = database.prepare<[string, number], { held: number | null }>(
      `select sum(amount) as held from holds where workspace_id = ? and status = 'held' and expires_at > ?`,
    );
    this.heldExcept = database.prepare<[string, number, string], { held: number | null }>(
      `select sum(amount) as held from holds where workspace_id = ? and status = 'held' and expires_at > ? and id <> ?`,
    );
    this.bumpRollup = database.prepare(
      `insert into daily_rollups (workspace_id, day, channel, agent_id, credits_used, responses, conversations)
       values (?, ?, ?, ?, ?, ?, ?)
       on conflict (workspace_id, day, channel, agent_id) ${ADD_FIGURES}`,
    );
    this.bumpSlot = database.prepare(
      `insert into usage_slots (workspace_id, slot, features, channel, agent_id, credits_used, responses, conversations)
       values (?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (workspace_id, slot, channel, agent_id, features) ${ADD_FIGURES}`,
    );
    this.bumpDay = database.prepare(
      `insert into usage_days (workspace_id, day, features, channel, agent_id, credits_used, responses, conversations)
       values (?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (workspace_id, day, channel, agent_id, features) ${ADD_FIGURES}`,
    );
    this.rateCardVersion = database.prepare<[], { version: number | null }>(
      'select max(version) as version from rate_cards',
    );
    this.rateCards = database.prepare<
      [],
      { version: number; effective_at: number; base_cost: number; features: string }
    >('select version, effective_at, base_cost, features from rate_cards order by effective_at');
  }
}

/**
 * A ledger transaction on SQLite: the hot path through prepared statements on the connection the
 * transaction holds (Kysely's driver runs one connection behind a mutex, so these statements are
 * inside the same BEGIN IMMEDIATE), everything else through the shared Kysely queries.
 */
export class SqliteLedgerTx extends KyselyLedgerTx {
  /** The rate cards this transaction read, offered to the shared cache only after its commit. */
  private readCards: { version: number; cards: RateCard[] } | null = null;

  constructor(
    private readonly statements: SqliteStatements,
    trx: Transaction<Database>,
    observed: { observers: BalanceObservers; trx: Transaction<Database> },
  ) {
    super(trx, observed);
  }

  override async lockAccount(workspaceId: string): Promise<Account | null> {
    const row = this.statements.account.get(workspaceId);
    return row ? accountFromRow(row) : null;
  }

  override async setOverageDebt(workspaceId: string, debt: Millicredits): Promise<void> {
    this.statements.setDebt.run(debt, workspaceId);
  }

  override async openGrants(workspaceId: string): Promise<StoredGrant[]> {
    return this.statements.openGrants.all(workspaceId).map(grantFromRow);
  }

  override async adjustGrant(workspaceId: string, grantId: string, delta: Millicredits): Promise<boolean> {
    return this.statements.adjustGrant.run({ delta, workspace: workspaceId, grant: grantId }).changes === 1;
  }

  override async appendLedger(lines: readonly NewLedgerLine[]): Promise<void> {
    for (const line of lines) {
      this.statements.appendLine.run(
        line.workspaceId,
        line.at.getTime(),
        line.kind,
        line.amount,
        line.grantId,
        line.responseId,
        line.reason,
        line.balanceAfter,
      );
    }
  }

  override async findResponse(workspaceId: string, id: string): Promise<StoredResponse | null> {
    const row = this.statements.findResponse.get(workspaceId, id);
    return row ? responseFromRow(row) : null;
  }

  override async insertResponse(response: StoredResponse): Promise<void> {
    this.statements.insertResponse.run(
      response.workspaceId,
      response.id,
      response.conversationId,
      response.channel,
      response.agentId,
      JSON.stringify(response.features),
      response.occurredAt.getTime(),
      response.cost,
      response.rateCardVersion,
      response.reservationId,
      response.fingerprint,
      response.availableAfter,
      JSON.stringify(response.draws),
      response.status,
      response.createdAt.getTime(),
    );
  }

  override async insertConversation(conversation: Conversation, now: Date): Promise<boolean> {
    const result = this.statements.insertConversation.run(
      conversation.workspaceId,
      conversation.id,
      conversation.channel,
      conversation.agentId,
      conversation.startedAt.getTime(),
      now.getTime(),
    );
    return result.changes === 1;
  }

  override async findConversation(workspaceId: string, id: string): Promise<Conversation | null> {
    const row = this.statements.findConversation.get(workspaceId, id);
    if (!row) return null;
    return {
      workspaceId,
      id,
      channel: row.channel as Channel,
      agentId: row.agent_id,
      startedAt: new Date(row.started_at),
    };
  }

  override async heldAmount(workspaceId: string, now: Date, exceptHoldId?: string): Promise<Millicredits> {
    const row =
      exceptHoldId === undefined
        ? this.statements.held.get(workspaceId, now.getTime())
        : this.statements.heldExcept.get(workspaceId, now.getTime(), exceptHoldId);
    return row?.held ?? 0;
  }

  override async bumpRollup(delta: RollupDelta): Promise<void> {
    const figures = [delta.channel, delta.agentId, delta.creditsUsed, delta.responses, delta.conversations] as const;
    this.statements.bumpRollup.run(delta.workspaceId, utcDay(delta.at), ...figures);
    const features = JSON.stringify(delta.features);
    this.statements.bumpSlot.run(delta.workspaceId, slotOf(delta.at), features, ...figures);
    this.statements.bumpDay.run(delta.workspaceId, dayIn(delta.at, delta.timeZone), features, ...figures);
  }

  override async rateCards(): Promise<RateCard[]> {
    const version = this.statements.rateCardVersion.get()?.version ?? 0;
    const cached = this.statements.cachedCards ?? this.readCards;
    if (cached && cached.version === version) return cached.cards;
    const cards = this.statements.rateCards.all().map((row) => ({
      version: row.version,
      effectiveAt: new Date(row.effective_at),
      baseCost: row.base_cost,
      features: JSON.parse(row.features) as Record<string, number>,
    }));
    this.readCards = { version, cards };
    return cards;
  }

  /** Called once the transaction has committed: what it read of the rate cards may now serve others. */
  committed(): void {
    if (this.readCards) this.statements.cachedCards = this.readCards;
  }
}

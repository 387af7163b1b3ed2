import type { Transaction } from 'kysely';
import type { Millicredits } from '../../domain/amounts.ts';
import { dayIn, utcDay } from '../../domain/days.ts';
import type { RateCard } from '../../domain/rate-card.ts';
import type { SpendLimits } from '../../domain/spend-limits.ts';
import { slotOf } from '../../domain/usage-slots.ts';
import type { BalanceObservers } from '../balance-observers.ts';
import {
  accountFromRow,
  conversationFromRow,
  conversationRow,
  grantFromRow,
  grantRow,
  holdFromRow,
  holdRow,
  KyselyLedgerTx,
  lineRow,
  responseFromRow,
  responseRow,
} from '../ledger-queries.ts';
import type {
  ConversationsTable,
  Database,
  GrantsTable,
  HoldsTable,
  ResponsesTable,
  WorkspacesTable,
} from '../schema.ts';
import { spendLimitsToColumn } from '../spend-limit-column.ts';
import type {
  Account,
  Conversation,
  Hold,
  LedgerNeeds,
  NewLedgerLine,
  OpenedAccount,
  RollupDelta,
  StoredGrant,
  StoredResponse,
} from '../store.ts';
import { APPLY, LOCK, OPEN, RATE_CARDS } from './hot-path-sql.ts';
import type { Pipeline } from './pipeline.ts';

/** Rate cards are append-only: the parsed list stays right until a newer version appears. One per store. */
export interface RateCardCache {
  /** Only a committed read is kept: a version read in a transaction that then failed may never have existed. */
  current: { version: number; cards: RateCard[] } | null;
}

/** The writes held back since the account opened, in the shape `APPLY` reads them. */
class Writes {
  readonly grants: ReturnType<typeof grantRow>[] = [];
  readonly moves = new Map<string, Millicredits>();
  readonly lines: ReturnType<typeof lineRow>[] = [];
  readonly conversations: ReturnType<typeof conversationRow>[] = [];
  readonly responses: ReturnType<typeof responseRow>[] = [];
  readonly refunded: string[] = [];
  readonly holds: ReturnType<typeof holdRow>[] = [];
  readonly closes: { id: string; status: 'committed' | 'released' }[] = [];
  readonly rollups: ReturnType<typeof rollupRow>[] = [];
  account: { debt?: Millicredits; limits?: string | null } = {};

  get empty(): boolean {
    return (
      this.grants.length + this.moves.size + this.lines.length + this.conversations.length + this.responses.length ===
        0 &&
      this.refunded.length + this.holds.length + this.closes.length + this.rollups.length === 0 &&
      Object.keys(this.account).length === 0
    );
  }

  toJSON() {
    return {
      grants: this.grants,
      moves: [...this.moves].filter(([, delta]) => delta !== 0).map(([id, delta]) => ({ id, delta })),
      lines: this.lines,
      conversations: this.conversations,
      responses: this.responses,
      refunded: this.refunded,
      holds: this.holds,
      closes: this.closes,
      rollups: this.rollups,
      ...this.account,
    };
  }
}

const rollupRow = (delta: RollupDelta) => ({
  day: utcDay(delta.at),
  slot: slotOf(delta.at),
  local_day: dayIn(delta.at, delta.timeZone),
  features: JSON.stringify(delta.features),
  channel: delta.channel,
  agent_id: delta.agentId,
  credits_used: delta.creditsUsed,
  responses: delta.responses,
  conversations: delta.conversations,
});

interface OpenRow {
  grants: GrantsTable[];
  held: number;
  responses: ResponsesTable[];
  conversations: ConversationsTable[];
  holds: HoldsTable[];
  card_version: number;
}

/** Each id once: a batch names many responses of one conversation. */
const distinct = (ids: readonly string[] = []): string[] => [...new Set(ids)];

/** Every id asked for, with its row or null, so that "not found" is known too. */
function byId<T>(ids: readonly string[] | undefined, found: readonly T[], id: (item: T) => string) {
  const map = new Map<string, T | null>((ids ?? []).map((key) => [key, null]));
  for (const item of found) map.set(id(item), item);
  return map;
}

/**
 * A ledger transaction on PostgreSQL in two round trips. `openAccount` sends the lock and one read of
 * everything the operation names (with BEGIN and the observers' reads, all pipelined); the ledger then
 * decides in TypeScript, its reads answered from what was read, kept equal to what the database would
 * answer; its writes wait here and go as one `APPLY` statement, sent with COMMIT. Any other statement
 * on this transaction's connection first sends the writes held back, so it sees them, as it would if
 * they had been written at once. A lookup the open did not cover falls back to a query of its own.
 */
export class PostgresLedgerTx extends KyselyLedgerTx {
  /** The account opened in this transaction, and what unexpired holds set aside at `now` (null: not known). */
  private opened: { workspaceId: string; now: number; held: Millicredits | null } | null = null;
  private grants = new Map<string, StoredGrant | null>();
  private responses = new Map<string, StoredResponse | null>();
  private conversations = new Map<string, Conversation | null>();
  private holds = new Map<string, Hold | null>();
  private holdKeys = new Map<string, Hold | null>();
  private cardVersion: number | null = null;
  /** The rate cards this transaction read, offered to the store's cache only after its commit. */
  private readCards: { version: number; cards: RateCard[] } | null = null;
  private writes = new Writes();

  constructor(
    private readonly pipe: Pipeline,
    trx: Transaction<Database>,
    observers: BalanceObservers,
    private readonly cards: RateCardCache,
  ) {
    super(trx, { observers, trx });
    pipe.beforeEach = () => this.applyWrites();
  }

  override applyWrites(): void {
    if (!this.opened || this.writes.empty) return;
    const writes = this.writes;
    this.writes = new Writes();
    // Not awaited: the answer is needed only at commit, where a failure fails the transaction.
    this.pipe.sendNow({ ...APPLY, values: [JSON.stringify(writes), this.opened.workspaceId] }).catch(() => {});
  }

  /** Called once the transaction has committed: what it read of the rate cards may now serve others. */
  committed(): void {
    if (this.readCards) this.cards.current = this.readCards;
  }

  override async lockAccount(workspaceId: string): Promise<Account | null> {
    const { rows } = await this.pipe.send<WorkspacesTable & { time_zone: string | null }>({
      ...LOCK,
      values: [workspaceId],
    });
    return rows[0] ? accountFromRow(rows[0]) : null;
  }

  override async openAccount(workspaceId: string, now: Date, needs: LedgerNeeds = {}): Promise<OpenedAccount | null> {
    const locked = this.lockAccount(workspaceId);
    const read = this.pipe.send<OpenRow>({
      ...OPEN,
      values: [
        workspaceId,
        now.getTime(),
        distinct(needs.grantIds),
        distinct(needs.responseIds),
        distinct(needs.conversationIds),
        distinct(needs.holdIds),
        distinct(needs.holdKeys),
      ],
    });
    const [account, { rows }] = await Promise.all([locked, read]);
    const row = rows[0];
    if (!account || !row) return null;
    const grants = row.grants.map(grantFromRow);
    this.opened = { workspaceId, now: now.getTime(), held: Number(row.held) };
    this.grants = byId(needs.grantIds, grants, (grant) => grant.id);
    this.responses = byId(needs.responseIds, row.responses.map(responseFromRow), (response) => response.id);
    this.conversations = byId(needs.conversationIds, row.conversations.map(conversationFromRow), (c) => c.id);
    const holds = row.holds.map(holdFromRow);
    this.holds = byId(needs.holdIds, holds, (hold) => hold.id);
    this.holdKeys = byId(
      needs.holdKeys,
      holds.filter((hold) => hold.idempotencyKey !== null),
      (hold) => hold.idempotencyKey as string,
    );
    this.cardVersion = Number(row.card_version);
    // The ledger changes its grants in memory; the copies kept here follow only what is written.
    return { account, grants: grants.filter((grant) => grant.remaining > 0).map((grant) => ({ ...grant })) };
  }

  /** True when `workspaceId` is the opened account's and `key` was read with it. */
  private knows(workspaceId: string, map: Map<string, unknown>, key: string): boolean {
    return this.opened?.workspaceId === workspaceId && map.has(key);
  }

  /** What the opened account read for `key` (null: read and not there), or else what `query` finds. */
  private readOr<T>(
    workspaceId: string,
    map: Map<string, T | null>,
    key: string,
    query: () => Promise<T | null>,
  ): Promise<T | null> {
    return this.knows(workspaceId, map, key) ? Promise.resolve(map.get(key) ?? null) : query();
  }

  override findResponse(workspaceId: string, id: string): Promise<StoredResponse | null> {
    return this.readOr(workspaceId, this.responses, id, () => super.findResponse(workspaceId, id));
  }

  override findConversation(workspaceId: string, id: string): Promise<Conversation | null> {
    return this.readOr(workspaceId, this.conversations, id, () => super.findConversation(workspaceId, id));
  }

  override async findGrant(workspaceId: string, id: string): Promise<StoredGrant | null> {
    if (!this.knows(workspaceId, this.grants, id)) return super.findGrant(workspaceId, id);
    const grant = this.grants.get(id);
    return grant ? { ...grant } : null;
  }

  override findHold(workspaceId: string, id: string): Promise<Hold | null> {
    return this.readOr(workspaceId, this.holds, id, () => super.findHold(workspaceId, id));
  }

  override findHoldByKey(workspaceId: string, key: string): Promise<Hold | null> {
    return this.readOr(workspaceId, this.holdKeys, key, () => super.findHoldByKey(workspaceId, key));
  }

  override async heldAmount(workspaceId: string, now: Date, exceptHoldId?: string): Promise<Millicredits> {
    const opened = this.opened;
    const held = opened?.workspaceId === workspaceId && opened.now === now.getTime() ? opened.held : null;
    if (held === null) return super.heldAmount(workspaceId, now, exceptHoldId);
    if (exceptHoldId === undefined) return held;
    if (!this.holds.has(exceptHoldId)) return super.heldAmount(workspaceId, now, exceptHoldId);
    const except = this.holds.get(exceptHoldId);
    return except && this.setsAside(except) ? held - except.amount : held;
  }

  /** Whether `hold` counts in the held amount at the opened account's `now`. */
  private setsAside(hold: Hold): boolean {
    return hold.status === 'held' && hold.expiresAt.getTime() > (this.opened?.now ?? 0);
  }

  override async rateCards(): Promise<RateCard[]> {
    const known = this.cards.current ?? this.readCards;
    if (known && known.version === this.cardVersion) return known.cards;
    const { rows } = await this.pipe.send<{
      version: number;
      effective_at: number;
      base_cost: number;
      features: string;
    }>(RATE_CARDS);
    const cards = rows.map((row) => ({
      version: row.version,
      effectiveAt: new Date(Number(row.effective_at)),
      baseCost: Number(row.base_cost),
      features: JSON.parse(row.features) as Record<string, number>,
    }));
    this.readCards = { version: Math.max(0, ...cards.map((card) => card.version)), cards };
    return cards;
  }

  override async insertGrant(grant: StoredGrant): Promise<void> {
    if (this.opened?.workspaceId !== grant.workspaceId) return super.insertGrant(grant);
    this.writes.grants.push(grantRow(grant));
    this.grants.set(grant.id, { ...grant });
  }

  override async adjustGrant(workspaceId: string, grantId: string, delta: Millicredits): Promise<boolean> {
    const grant = this.knows(workspaceId, this.grants, grantId) ? this.grants.get(grantId) : undefined;
    if (grant === undefined) return super.adjustGrant(workspaceId, grantId, delta);
    if (!grant || grant.remaining + delta < 0 || grant.remaining + delta > grant.amount) return false;
    grant.remaining += delta;
    // A grant inserted by these same writes is inserted with its moves: one statement cannot update a row it inserts.
    const inserted = this.writes.grants.find((row) => row.id === grantId);
    if (inserted) inserted.remaining += delta;
    else this.writes.moves.set(grantId, (this.writes.moves.get(grantId) ?? 0) + delta);
    return true;
  }

  override async appendLedger(lines: readonly NewLedgerLine[]): Promise<void> {
    const mine = lines.filter((line) => line.workspaceId === this.opened?.workspaceId);
    if (mine.length !== lines.length) return super.appendLedger(lines);
    this.writes.lines.push(...lines.map(lineRow));
  }

  override async insertResponse(response: StoredResponse): Promise<void> {
    if (this.opened?.workspaceId !== response.workspaceId) return super.insertResponse(response);
    this.writes.responses.push(responseRow(response));
    this.responses.set(response.id, response);
  }

  override async markResponseRefunded(workspaceId: string, id: string): Promise<boolean> {
    if (!this.knows(workspaceId, this.responses, id)) return super.markResponseRefunded(workspaceId, id);
    const response = this.responses.get(id);
    if (response?.status !== 'charged') return false;
    this.responses.set(id, { ...response, status: 'refunded' });
    const inserted = this.writes.responses.find((row) => row.id === id);
    if (inserted) inserted.status = 'refunded';
    else this.writes.refunded.push(id);
    return true;
  }

  override async insertConversation(conversation: Conversation, now: Date): Promise<boolean> {
    if (!this.knows(conversation.workspaceId, this.conversations, conversation.id)) {
      return super.insertConversation(conversation, now);
    }
    if (this.conversations.get(conversation.id)) return false;
    this.writes.conversations.push(conversationRow(conversation, now));
    this.conversations.set(conversation.id, conversation);
    return true;
  }

  override async insertHold(hold: Hold): Promise<void> {
    const opened = this.opened;
    if (opened?.workspaceId !== hold.workspaceId) return super.insertHold(hold);
    this.heldSums.clear();
    this.writes.holds.push(holdRow(hold));
    this.holds.set(hold.id, hold);
    if (hold.idempotencyKey !== null) this.holdKeys.set(hold.idempotencyKey, hold);
    if (opened.held !== null && this.setsAside(hold)) opened.held += hold.amount;
  }

  override async closeHold(workspaceId: string, id: string, status: 'committed' | 'released'): Promise<boolean> {
    const opened = this.opened;
    if (!opened || !this.knows(workspaceId, this.holds, id)) {
      if (opened?.workspaceId === workspaceId) opened.held = null;
      return super.closeHold(workspaceId, id, status);
    }
    const hold = this.holds.get(id);
    if (hold?.status !== 'held') return false;
    this.heldSums.clear();
    if (opened.held !== null && this.setsAside(hold)) opened.held -= hold.amount;
    const closed = { ...hold, status };
    this.holds.set(id, closed);
    if (hold.idempotencyKey !== null) this.holdKeys.set(hold.idempotencyKey, closed);
    const inserted = this.writes.holds.find((row) => row.id === id);
    if (inserted) inserted.status = status;
    else this.writes.closes.push({ id, status });
    return true;
  }

  override async bumpRollup(delta: RollupDelta): Promise<void> {
    if (this.opened?.workspaceId !== delta.workspaceId) return super.bumpRollup(delta);
    this.writes.rollups.push(rollupRow(delta));
  }

  override async setOverageDebt(workspaceId: string, debt: Millicredits): Promise<void> {
    if (this.opened?.workspaceId !== workspaceId) return super.setOverageDebt(workspaceId, debt);
    this.writes.account.debt = debt;
  }

  override async setSpendLimits(workspaceId: string, limits: SpendLimits | null): Promise<void> {
    if (this.opened?.workspaceId !== workspaceId) return super.setSpendLimits(workspaceId, limits);
    this.writes.account.limits = spendLimitsToColumn(limits);
  }
}

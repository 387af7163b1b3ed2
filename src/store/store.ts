import type { Kysely, Transaction } from 'kysely';
import type { Millicredits } from '../domain/amounts.ts';
import type { Draw } from '../domain/burn-down.ts';
import type { Grant } from '../domain/grants.ts';
import type { RateCard } from '../domain/rate-card.ts';
import type { LimitReached, SpendLimits } from '../domain/spend-limits.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Channel = 'call' | 'chat';
export type LedgerKind = 'grant' | 'charge' | 'refund' | 'expire' | 'settle';

export interface Account {
  id: string;
  name: string;
  plan: string;
  overageLimit: Millicredits;
  overageDebt: Millicredits;
  periodAnchor: Date;
  createdAt: Date;
  /** Its spend limits and their counters; null when it has none. */
  spendLimits: SpendLimits | null;
  /** The IANA zone its usage days are counted in (`workspace_settings`); `UTC` until it chooses another. */
  timeZone: string;
}

export interface StoredGrant extends Grant {
  fingerprint: string;
}

export interface NewLedgerLine {
  workspaceId: string;
  at: Date;
  kind: LedgerKind;
  amount: Millicredits;
  grantId: string | null;
  responseId: string | null;
  reason: string;
  balanceAfter: Millicredits;
}

export interface LedgerLine extends NewLedgerLine {
  seq: number;
}

export interface StoredResponse {
  workspaceId: string;
  id: string;
  conversationId: string;
  channel: Channel;
  agentId: string;
  features: string[];
  occurredAt: Date;
  cost: Millicredits;
  rateCardVersion: number;
  reservationId: string | null;
  fingerprint: string;
  availableAfter: Millicredits;
  /** Where the cost came from: one draw per grant, plus `overage` taken below zero. */
  draws: { grants: Draw[]; overage: Millicredits };
  status: 'charged' | 'refunded';
  createdAt: Date;
}

export interface Conversation {
  workspaceId: string;
  id: string;
  channel: Channel;
  agentId: string;
  startedAt: Date;
}

export interface Hold {
  workspaceId: string;
  id: string;
  amount: Millicredits;
  expiresAt: Date;
  status: 'held' | 'committed' | 'released';
  fingerprint: string;
  idempotencyKey: string | null;
  createdAt: Date;
}

/**
 * A change to the usage rollups: the UTC day's row, the quarter hour's and the local day's in the
 * workspace's zone (src/domain/usage-slots.ts).
 */
export interface RollupDelta {
  workspaceId: string;
  at: Date;
  /** The workspace's zone, as its locked account reads it: `at`'s day in it is the `usage_days` row. */
  timeZone: string;
  /** The response's sorted feature set; empty for a conversation recorded on its own. */
  features: readonly string[];
  channel: Channel;
  agentId: string;
  creditsUsed: Millicredits;
  responses: number;
  conversations: number;
}

/** A ledger transaction's effect on one workspace's available credits (live grants − live holds − overage debt). */
export interface BalanceChange {
  workspaceId: string;
  /** Available when the transaction locked the account, and when it finished. */
  before: Millicredits;
  after: Millicredits;
  at: Date;
  /** Spend limits this transaction reached for the first time in their period. */
  limitsReached?: readonly LimitReached[];
  /** The usage this transaction added to the rollups (negative for a refund). */
  usage: readonly RollupDelta[];
  /** The grants this transaction recorded. */
  grantsAdded: readonly { amount: Millicredits; effectiveAt: Date }[];
}

/** Reads the balance observers of one transaction share, by key: the first to ask makes the read. */
export type SharedReads = Map<string, Promise<unknown>>;

/**
 * Told of every ledger transaction's balance change, inside that transaction: what it writes commits
 * or rolls back with the change. It may also throw, which aborts the change.
 *
 * `load` reads what the decision needs, right after the account lock and before the transaction
 * writes anything; a read more than one observer needs goes through `shared`, so it runs once.
 * `decide` gets the change (with this transaction's own usage and grants, so it can add them to what
 * `load` read) and writes only when something crossed.
 */
export interface BalanceObserver<Loaded = unknown> {
  load(db: Kysely<Database>, workspaceId: string, at: Date, shared: SharedReads): Promise<Loaded>;
  decide(change: BalanceChange, loaded: Loaded, db: Kysely<Database>): Promise<void>;
}

/** What a ledger operation names by id, read with the account when it opens so that deciding needs no further query. */
export interface LedgerNeeds {
  grantIds?: readonly string[];
  responseIds?: readonly string[];
  conversationIds?: readonly string[];
  holdIds?: readonly string[];
  holdKeys?: readonly string[];
}

/** A locked account and every grant that still holds credits. */
export interface OpenedAccount {
  account: Account;
  grants: StoredGrant[];
}

/** The ledger's reads, inside a transaction or outside one. */
export interface LedgerReader {
  /** Reads the workspace's account as committed; takes no lock. */
  readAccount(workspaceId: string): Promise<Account | null>;
  /** What charges made in [from, to) still cost after refunds: in total, and per agent. */
  spendBetween(
    workspaceId: string,
    from: Date,
    to: Date,
  ): Promise<{ total: Millicredits; byAgent: Map<string, Millicredits> }>;
  /** Every grant that still holds credits: live, not yet effective, or expired but not yet swept. */
  openGrants(workspaceId: string): Promise<StoredGrant[]>;
  findGrant(workspaceId: string, id: string): Promise<StoredGrant | null>;
  findResponse(workspaceId: string, id: string): Promise<StoredResponse | null>;
  findConversation(workspaceId: string, id: string): Promise<Conversation | null>;
  findHold(workspaceId: string, id: string): Promise<Hold | null>;
  findHoldByKey(workspaceId: string, key: string): Promise<Hold | null>;
  /** What unexpired holds set aside at `now`, leaving out `exceptHoldId`. */
  heldAmount(workspaceId: string, now: Date, exceptHoldId?: string): Promise<Millicredits>;
  rateCards(): Promise<RateCard[]>;
}

/**
 * The reads and writes one ledger transaction needs; each implementation runs them in one database
 * transaction. A ledger operation opens the account (`openAccount`: the lock and everything it names
 * by id), decides in TypeScript, and writes; reads after `openAccount` see the transaction's own
 * writes. A store may hold the writes back and send them together (`applyWrites`): a write's answer
 * (`adjustGrant`, `closeHold`, …) then comes from what the store read, and a write the database
 * refuses fails the transaction.
 */
export interface LedgerTx extends LedgerReader {
  /** True when the store has balance observers: the ledger then reads the holds to report exact balances. */
  readonly balanceObserved: boolean;
  /** Lets the store's observers read what they decide on, right after the account lock. */
  watchBalance(workspaceId: string, at: Date): Promise<void>;
  /** Hands a balance change to the store's observers, inside this transaction. */
  reportBalance(change: BalanceChange): Promise<void>;
  /** Reads the workspace's account and locks it until commit, so credit moves of one workspace are serial. */
  lockAccount(workspaceId: string): Promise<Account | null>;
  /**
   * Locks the account and reads its open grants, its held amount at `now` and the rows `needs` names;
   * later reads of those come from memory. Null when the workspace does not exist.
   */
  openAccount(workspaceId: string, now: Date, needs?: LedgerNeeds): Promise<OpenedAccount | null>;
  setOverageDebt(workspaceId: string, debt: Millicredits): Promise<void>;
  /** Stores the workspace's spend limits and their counters (null: none), under the account lock. */
  setSpendLimits(workspaceId: string, limits: SpendLimits | null): Promise<void>;
  insertGrant(grant: StoredGrant): Promise<void>;
  /** Changes a grant's remaining by `delta` only if it stays within [0, amount]; false when it would not. */
  adjustGrant(workspaceId: string, grantId: string, delta: Millicredits): Promise<boolean>;
  appendLedger(lines: readonly NewLedgerLine[]): Promise<void>;
  insertResponse(response: StoredResponse): Promise<void>;
  markResponseRefunded(workspaceId: string, id: string): Promise<boolean>;
  /** Records a conversation the first time it is seen; false when it was already known. */
  insertConversation(conversation: Conversation, now: Date): Promise<boolean>;
  insertHold(hold: Hold): Promise<void>;
  /** Moves a hold out of `held`; false when it was no longer held. */
  closeHold(workspaceId: string, id: string, status: 'committed' | 'released'): Promise<boolean>;
  bumpRollup(delta: RollupDelta): Promise<void>;
  /** Sends the writes held back so far, without waiting for their answer (the commit reports a failure). */
  applyWrites(): void;
}

/**
 * Where reads that only show figures go: the dashboard's usage summary, history, breakdown and CSV,
 * conversations, the ledger statement and billing history. With TALLY_DATABASE_READ_URL it is that
 * PostgreSQL replica, and what it returns may lag the primary by the replica's replay delay; without,
 * it is the primary itself. Nothing that decides money (charges, check, reservations, the balance) or
 * reads back what its caller just wrote (settings, keys, sessions, agents) reads it: those stay on `db`
 * (docs/scaling.md, "Read replicas").
 */
export interface ReadReplica {
  readonly db: Kysely<Database>;
  /** Runs `fn`'s reads in one consistent snapshot of what the replica has replayed, as `Store.snapshot` does on the primary. */
  snapshot<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

export interface Store {
  readonly dialect: Dialect;
  /** The query builder, for modules outside the ledger's hot path (keys, Twilio, billing, reports). */
  readonly db: Kysely<Database>;
  /** The handle for reads that only show figures and may lag (ReadReplica); the primary when no replica is set. */
  readonly replica: ReadReplica;
  /**
   * Runs `fn` atomically and settles only after its writes are committed. SQLite takes the write lock
   * at BEGIN so concurrent writers queue, never deadlock, and callers that queue together share one
   * COMMIT, each in its own savepoint (group commit).
   */
  transaction<T>(fn: (tx: LedgerTx, db: Transaction<Database>) => Promise<T>): Promise<T>;
  /** The ledger's reads outside a transaction (each read sees one committed state). */
  reader(): LedgerReader;
  /**
   * Runs `fn`'s reads in one consistent snapshot of committed data, taking no lock: a transaction
   * that commits meanwhile is seen whole or not at all (PostgreSQL: one REPEATABLE READ READ ONLY
   * transaction; SQLite: one read transaction on the store's connection).
   */
  snapshot<T>(fn: (reader: LedgerReader, db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * The time every decision by time is made by (expiry, holds, periods, an event's allowed age) when
   * no test clock is injected: the database's clock on PostgreSQL, so N processes agree whatever
   * their own clocks say; the system clock on SQLite, whose one process is the only writer.
   */
  now(): Date;
  /** Registers `observer` under `name` (the same name again replaces it) for every later ledger transaction. */
  observeBalances<Loaded>(name: string, observer: BalanceObserver<Loaded>): void;
  close(): Promise<void>;
}

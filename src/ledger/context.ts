import type { Clock } from '../domain/clock.ts';
import type { Trx } from '../store/schema.ts';
import type { LedgerTx, Store } from '../store/store.ts';
import type { AccountState } from './account-state.ts';
import type { ChargeCoalescer } from './charge-coalescer.ts';

/**
 * What a verb runs on: the store, and the clock it reads the time from. Every verb has one shape,
 * `verbEntity({ ctx, input })` (docs/architecture.md, "One service shape"); a module whose verbs need
 * more parts (the catalog, the secret key, an event sink) extends this with its own context.
 */
export interface Context {
  readonly store: Store;
  readonly clock: Clock;
}

/** What the ledger's routes run on: the context, and the component single charges queue in. */
export interface LedgerContext extends Context {
  readonly charges: ChargeCoalescer;
}

/** A verb's one argument: the context it runs on, and what its caller asks. */
export interface Call<C, I> {
  readonly ctx: C;
  readonly input: I;
}

/**
 * What a step inside a caller's transaction runs on: the ledger's view of the transaction, the
 * query builder on the same connection, and the one instant the whole transaction decides by.
 */
export interface TxContext {
  readonly tx: LedgerTx;
  readonly db: Trx;
  readonly now: Date;
}

/** What a step runs on once its caller has opened (locked) the workspace's account in its transaction. */
export interface AccountContext extends TxContext {
  readonly state: AccountState;
}

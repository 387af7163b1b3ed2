import type { Context, TxContext } from '../ledger/context.ts';
import type { Db } from '../store/schema.ts';

/** What the alerts' verbs run on: the store and the clock, and the key that seals signing secrets and signs unsubscribe links. */
export interface AlertsContext extends Context {
  readonly secretKey: Uint8Array;
}

/**
 * A step that writes to the outbox inside a caller's transaction: its query builder and the one
 * instant it decides by. The balance observers are handed the transaction as a `Db`, so that is
 * what `db` is here.
 */
export interface OutboxTxContext extends Pick<TxContext, 'now'> {
  readonly db: Db;
}

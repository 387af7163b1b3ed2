import type { Context } from '../ledger/context.ts';

/** What authenticating a bearer key runs on: the store, the clock, and the operator's key. */
export interface KeysContext extends Context {
  /** The operator's key as `hashKey` (api-keys.ts) gives it, hashed once rather than per request; null: no operator. */
  readonly adminKeyHash: string | null;
}

import type { Context } from '../ledger/context.ts';

/** What authenticating a bearer key runs on: the store, the clock, and the operator's key (null: no operator). */
export interface KeysContext extends Context {
  readonly adminKey: string | null;
}

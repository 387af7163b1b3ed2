import type { Context } from '../../src/ledger/context.ts';
import type { Store } from '../../src/store/store.ts';

/** A verb's context on `store` whose clock stands still at `at`: what a test calls a verb with. */
export function contextAt(store: Store, at: Date | string): Context {
  const now = new Date(at);
  return { store, clock: () => now };
}

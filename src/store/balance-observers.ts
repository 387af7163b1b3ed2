import type { Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { BalanceChange, BalanceObserver } from './store.ts';

/**
 * The observers one store hands every ledger transaction's balance change to. Keyed by name so
 * that building the services twice on one store (tests, the CLI) replaces an observer instead of
 * running it twice.
 */
export class BalanceObservers {
  private readonly byName = new Map<string, BalanceObserver>();

  set(name: string, observer: BalanceObserver): void {
    this.byName.set(name, observer);
  }

  get any(): boolean {
    return this.byName.size > 0;
  }

  async notify(change: BalanceChange, trx: Transaction<Database>): Promise<void> {
    for (const observer of this.byName.values()) await observer(change, trx);
  }
}

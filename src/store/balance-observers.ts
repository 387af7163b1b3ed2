import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { BalanceChange, BalanceObserver, SharedReads } from './store.ts';

/** What each observer loaded for one transaction, by observer name. */
export type ObserverLoads = ReadonlyMap<string, unknown>;

/**
 * The observers one store hands every ledger transaction's balance change to. Keyed by name so
 * that building the services twice on one store (tests, the CLI) replaces an observer instead of
 * running it twice.
 */
export class BalanceObservers {
  private readonly byName = new Map<string, BalanceObserver>();

  set<Loaded>(name: string, observer: BalanceObserver<Loaded>): void {
    this.byName.set(name, observer as BalanceObserver);
  }

  get any(): boolean {
    return this.byName.size > 0;
  }

  /** Every observer's reads, started together so a pipelining connection sends them in one round trip. */
  async load(db: Kysely<Database>, workspaceId: string, at: Date): Promise<ObserverLoads> {
    const entries = [...this.byName];
    const shared: SharedReads = new Map();
    const loaded = await Promise.all(entries.map(([, observer]) => observer.load(db, workspaceId, at, shared)));
    return new Map(entries.map(([name], i) => [name, loaded[i]]));
  }

  async decide(change: BalanceChange, loads: ObserverLoads, db: Kysely<Database>): Promise<void> {
    for (const [name, observer] of this.byName) await observer.decide(change, loads.get(name), db);
  }
}

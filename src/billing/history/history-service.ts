import type { Store } from '../../store/store.ts';
import { billingHistory, type HistorySource } from './billing-history.ts';
import { planChanges, purchases, renewals } from './grant-sources.ts';
import { historyCsv } from './history-csv.ts';
import { stripePayments } from './payment-source.ts';
import { topUps } from './top-up-source.ts';

/** Every kind of billing event the Plans page lists; a new kind is one more source here. */
export const HISTORY_SOURCES: readonly HistorySource[] = [renewals, planChanges, purchases, topUps, stripePayments];

/** A workspace's billing history, as entries or as CSV. */
export function createBillingHistory(store: Store, sources: readonly HistorySource[] = HISTORY_SOURCES) {
  return {
    entries: (workspaceId: string) => billingHistory(store, workspaceId, sources),
    csv: async (workspaceId: string) => historyCsv(await billingHistory(store, workspaceId, sources)),
  };
}

export type BillingHistory = ReturnType<typeof createBillingHistory>;

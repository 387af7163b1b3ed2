import type { Context } from '../../ledger/context.ts';
import type { HistoryEntry, HistorySource } from './billing-history.ts';
import { planChanges, purchases, renewals } from './grant-sources.ts';
import { historyCsv } from './history-csv.ts';
import { stripePayments } from './payment-source.ts';
import { topUps } from './top-up-source.ts';

/** Every kind of billing event the Plans page lists; a new kind is one more source here. */
export const HISTORY_SOURCES: readonly HistorySource[] = [renewals, planChanges, purchases, topUps, stripePayments];

/** A workspace's billing history: every source's entries, newest first. Its cost grows with the entries shown. */
export async function listBillingHistory(args: {
  ctx: Context;
  input: { workspaceId: string };
}): Promise<HistoryEntry[]> {
  const entries = (await Promise.all(HISTORY_SOURCES.map((source) => source(args)))).flat();
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime() || a.id.localeCompare(b.id));
}

/** The billing history as CSV. */
export async function exportBillingHistoryCsv(args: { ctx: Context; input: { workspaceId: string } }): Promise<string> {
  return historyCsv(await listBillingHistory(args));
}

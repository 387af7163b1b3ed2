import { millicreditsToCredits } from '../../domain/amounts.ts';
import { csvFile } from '../../domain/csv.ts';
import type { HistoryEntry } from './billing-history.ts';

/** The billing history as CSV, newest first; credits in decimal credits, money in the currency's major unit. */
export function historyCsv(entries: readonly HistoryEntry[]): string {
  return csvFile([
    ['date', 'kind', 'description', 'credits', 'amount', 'currency', 'document_url'],
    ...entries.map((entry) => [
      entry.at.toISOString(),
      entry.kind,
      entry.description,
      millicreditsToCredits(entry.credits),
      entry.amount?.value ?? '',
      entry.amount?.currency ?? '',
      entry.documentUrl ?? '',
    ]),
  ]);
}

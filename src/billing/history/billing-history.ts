import type { Millicredits } from '../../domain/amounts.ts';
import type { Context } from '../../ledger/context.ts';

export type HistoryKind = 'renewal' | 'plan_change' | 'purchase' | 'top_up' | 'payment';

/** One line of a workspace's billing history. */
export interface HistoryEntry {
  /** Unique within the workspace's history: the source's own id (a grant id, a payment id). */
  id: string;
  at: Date;
  kind: HistoryKind;
  description: string;
  /** Credits it granted (0 for a change that granted none). */
  credits: Millicredits;
  /** Money paid, where Tally knows it: in the currency's major unit (29 for $29.00). */
  amount: { value: number; currency: string } | null;
  /** Stripe's receipt or invoice for it, where there is one. */
  documentUrl: string | null;
}

/**
 * Where history entries come from. Each source reads what it owns for one workspace; adding a kind
 * of billing event (top-ups) is one more source in `HISTORY_SOURCES` (history-service.ts).
 */
export type HistorySource = (args: { ctx: Context; input: { workspaceId: string } }) => Promise<HistoryEntry[]>;

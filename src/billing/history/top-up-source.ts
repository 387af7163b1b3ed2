import { listPaidAttempts } from '../auto-top-up/rows.ts';
import type { HistorySource } from './billing-history.ts';
import { fromSmallestUnit } from './payment-source.ts';

/** Packs bought by auto top-up once paid (by card off-session, or at once when the operator bills by hand). */
export const topUps: HistorySource = async ({ ctx, input }) =>
  (await listPaidAttempts(ctx.store.replica.db, input.workspaceId)).map((attempt) => ({
    id: attempt.grantId ?? attempt.id,
    at: attempt.paidAt ?? attempt.createdAt,
    kind: 'top_up',
    description: `Auto top-up: ${attempt.packName}`,
    credits: attempt.credits,
    amount: { value: fromSmallestUnit(attempt.amount, attempt.currency), currency: attempt.currency },
    documentUrl: null,
  }));

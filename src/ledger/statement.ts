import { TallyError } from '../domain/errors.ts';
import type { LedgerKind, LedgerLine } from '../store/store.ts';
import type { Call, Context } from './context.ts';

export interface Statement {
  lines: LedgerLine[];
  /** Pass back as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const MAX_STATEMENT_PAGE = 500;

export interface StatementInput {
  workspaceId: string;
  /** A `nextCursor` from the page before; null for the first page. */
  after: string | null;
  limit: number;
}

/** Ledger lines oldest first, each with the balance after it, a page at a time. */
export async function getStatement({ ctx, input }: Call<Pick<Context, 'store'>, StatementInput>): Promise<Statement> {
  const { workspaceId, after, limit } = input;
  const afterSeq = after === null ? 0 : Number(after);
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new TallyError('invalid_request', 'cursor must be a value returned as nextCursor.', { field: 'cursor' });
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_STATEMENT_PAGE) {
    throw new TallyError('invalid_request', `limit must be from 1 to ${MAX_STATEMENT_PAGE}.`, { field: 'limit' });
  }
  const rows = await ctx.store.replica.db
    .selectFrom('ledger_lines')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit).map((row) => ({
    seq: Number(row.seq),
    workspaceId: row.workspace_id,
    at: new Date(Number(row.at)),
    kind: row.kind as LedgerKind,
    amount: Number(row.amount),
    grantId: row.grant_id,
    responseId: row.response_id,
    reason: row.reason,
    balanceAfter: Number(row.balance_after),
  }));
  const last = page.at(-1);
  return { lines: page, nextCursor: rows.length > limit && last ? String(last.seq) : null };
}

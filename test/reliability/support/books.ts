import { join } from 'node:path';
import { sql } from 'kysely';
import { type VerifyReport, verifyLedger } from '../../../src/ledger/verify-ledger.ts';
import { openPostgres } from '../../../src/store/postgres/open.ts';
import { openSqlite } from '../../../src/store/sqlite/open.ts';
import type { Store } from '../../../src/store/store.ts';
import type { Books } from './tally-process.ts';

/** Opens the books a (stopped or running) Tally child wrote, from this process. */
export async function openBooks(books: Books): Promise<Store> {
  return books.databaseUrl ? openPostgres(books.databaseUrl) : openSqlite(join(books.dataDir, 'tally.db'));
}

export interface WorkspaceBooks {
  /** Response id → how many rows and the recorded cost. */
  responses: Map<string, { rows: number; cost: number }>;
  /** Response id → the sum of its charge lines (negative). */
  charges: Map<string, number>;
  /** Charge lines that name no recorded response. */
  orphanCharges: string[];
  lines: number;
  report: VerifyReport;
}

export async function readBooks(store: Store, workspaceId: string): Promise<WorkspaceBooks> {
  const rows = await store.db
    .selectFrom('responses')
    .select(['id', 'cost'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const responses = new Map<string, { rows: number; cost: number }>();
  for (const row of rows) {
    const seen = responses.get(row.id);
    responses.set(row.id, { rows: (seen?.rows ?? 0) + 1, cost: Number(row.cost) });
  }
  const charged = await store.db
    .selectFrom('ledger_lines')
    .select(['response_id', sql<number>`sum(amount)`.as('total')])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'charge')
    .groupBy('response_id')
    .execute();
  const charges = new Map<string, number>();
  const orphanCharges: string[] = [];
  for (const row of charged) {
    const id = row.response_id ?? '(none)';
    charges.set(id, Number(row.total));
    if (!responses.has(id)) orphanCharges.push(id);
  }
  const lineCount = await store.db
    .selectFrom('ledger_lines')
    .select(sql<number>`count(*)`.as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return {
    responses,
    charges,
    orphanCharges,
    lines: Number(lineCount.n),
    report: await verifyLedger({ ctx: { store } }),
  };
}

/** Every ledger line and balance-bearing row, in a stable order, to compare before and after. */
export async function snapshotMoney(store: Store): Promise<string> {
  const lines = await store.db.selectFrom('ledger_lines').selectAll().orderBy('seq').execute();
  const grants = await store.db
    .selectFrom('grants')
    .select(['workspace_id', 'id', 'amount', 'remaining'])
    .orderBy('workspace_id')
    .orderBy('id')
    .execute();
  const holds = await store.db
    .selectFrom('holds')
    .select(['workspace_id', 'id', 'amount', 'status'])
    .orderBy('workspace_id')
    .orderBy('id')
    .execute();
  const responses = await store.db.selectFrom('responses').select(sql<number>`count(*)`.as('n')).execute();
  return JSON.stringify({ lines, grants, holds, responses }, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

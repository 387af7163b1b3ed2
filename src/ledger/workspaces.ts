import type { Millicredits } from '../domain/amounts.ts';
import { startOfUtcDay } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Db } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { randomId } from './random-id.ts';

export interface Workspace {
  id: string;
  name: string;
  plan: string;
  overageLimit: Millicredits;
  periodAnchor: Date;
  createdAt: Date;
}

export interface NewWorkspace {
  name: string;
  plan: string;
  /** The operator's overage limit: kept across plan changes and renewals. Left out, the plan's applies. */
  overageLimit?: Millicredits;
  /** Defaults to a server-made `ws_...` id. */
  id?: string;
}

export async function createWorkspace(store: Store, input: NewWorkspace, now: Date): Promise<Workspace> {
  return insertWorkspace(store.db, input, now);
}

/**
 * Inserts the workspace row with `db`, which may be a transaction that does more (billing starts the
 * subscription in it). `planOverageLimit` applies unless the operator chose `input.overageLimit`.
 */
export async function insertWorkspace(
  db: Db,
  input: NewWorkspace,
  now: Date,
  planOverageLimit: Millicredits = 0,
): Promise<Workspace> {
  if (input.name.trim() === '') throw new TallyError('invalid_request', 'name must not be empty.', { field: 'name' });
  if ((input.overageLimit ?? 0) < 0) {
    throw new TallyError('invalid_request', 'overageLimit must be zero or more credits.', { field: 'overageLimit' });
  }
  const workspace: Workspace = {
    id: input.id ?? randomId('ws'),
    name: input.name.trim(),
    plan: input.plan,
    overageLimit: input.overageLimit ?? planOverageLimit,
    // Periods start at midnight UTC so a period's usage is a whole number of daily rollups.
    periodAnchor: startOfUtcDay(now),
    createdAt: now,
  };
  await db
    .insertInto('workspaces')
    .values({
      id: workspace.id,
      name: workspace.name,
      plan: workspace.plan,
      overage_limit: workspace.overageLimit,
      overage_limit_override: input.overageLimit ?? null,
      overage_debt: 0,
      period_anchor: workspace.periodAnchor.getTime(),
      created_at: now.getTime(),
    })
    .execute();
  return workspace;
}

function fromRow(row: {
  id: string;
  name: string;
  plan: string;
  overage_limit: number;
  period_anchor: number;
  created_at: number;
}): Workspace {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    overageLimit: Number(row.overage_limit),
    periodAnchor: new Date(Number(row.period_anchor)),
    createdAt: new Date(Number(row.created_at)),
  };
}

/** The workspace, or null when there is none with that id. */
export async function findWorkspace(store: Store, id: string): Promise<Workspace | null> {
  const row = await store.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** The name of each of `ids` that exists. */
export async function workspaceNames(store: Store, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await store.db.selectFrom('workspaces').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}

export async function getWorkspace(store: Store, id: string): Promise<Workspace> {
  return workspaceMustExist(await findWorkspace(store, id), id);
}

/** Refuses with `not_found` unless the workspace exists, for callers that need nothing more of it. */
export async function requireWorkspace(store: Store, id: string): Promise<void> {
  workspaceMustExist(await store.db.selectFrom('workspaces').select('id').where('id', '=', id).executeTakeFirst(), id);
}

export async function listWorkspaces(store: Store, after: string | null, limit: number): Promise<Workspace[]> {
  let query = store.db.selectFrom('workspaces').selectAll().orderBy('id').limit(limit);
  if (after) query = query.where('id', '>', after);
  return (await query.execute()).map(fromRow);
}

/**
 * The workspace row carries the plan and the overage limit in force, which the ledger reads when it
 * charges: the operator's override when one was set, else the new plan's.
 */
export async function setWorkspacePlan(
  db: Db,
  workspaceId: string,
  plan: string,
  planOverageLimit: number,
): Promise<void> {
  await db
    .updateTable('workspaces')
    .set((eb) => ({ plan, overage_limit: eb.fn.coalesce('overage_limit_override', eb.val(planOverageLimit)) }))
    .where('id', '=', workspaceId)
    .execute();
}

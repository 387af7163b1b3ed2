import type { Millicredits } from '../domain/amounts.ts';
import { startOfUtcDay } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Db } from '../store/schema.ts';
import type { Call, Context } from './context.ts';
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

/** The workspace id every read of one workspace is asked with. */
export interface WorkspaceRef {
  workspaceId: string;
}

export async function createWorkspace({ ctx, input }: { ctx: Context; input: NewWorkspace }): Promise<Workspace> {
  return insertWorkspace(ctx.store.db, input, ctx.clock());
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
export async function findWorkspace({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, WorkspaceRef>): Promise<Workspace | null> {
  const row = await ctx.store.db
    .selectFrom('workspaces')
    .selectAll()
    .where('id', '=', input.workspaceId)
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** The name of each of `ids` that exists. */
export async function workspaceNames({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, { workspaceIds: readonly string[] }>): Promise<Map<string, string>> {
  const ids = input.workspaceIds;
  if (ids.length === 0) return new Map();
  const rows = await ctx.store.db.selectFrom('workspaces').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}

export async function getWorkspace({ ctx, input }: Call<Pick<Context, 'store'>, WorkspaceRef>): Promise<Workspace> {
  return workspaceMustExist(await findWorkspace({ ctx, input }), input.workspaceId);
}

/** Refuses with `not_found` unless the workspace exists, for callers that need nothing more of it. */
export async function requireWorkspace({ ctx, input }: Call<Pick<Context, 'store'>, WorkspaceRef>): Promise<void> {
  const { workspaceId } = input;
  workspaceMustExist(
    await ctx.store.db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst(),
    workspaceId,
  );
}

/** Up to `limit` workspaces by id, after the id `after` when there is one. */
export async function listWorkspaces({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, { after: string | null; limit: number }>): Promise<Workspace[]> {
  let query = ctx.store.db.selectFrom('workspaces').selectAll().orderBy('id').limit(input.limit);
  if (input.after) query = query.where('id', '>', input.after);
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

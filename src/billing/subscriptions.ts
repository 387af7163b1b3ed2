import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Call, Context } from '../ledger/context.ts';
import { insertWorkspace, type NewWorkspace, type Workspace } from '../ledger/workspaces.ts';
import type { BillingContext } from './context.ts';
import { startSubscription } from './plan-changes.ts';
import { findSubscription, insertSubscription, type Subscription } from './subscription-rows.ts';

/** Creates a workspace on a plan, starts its subscription and grants its first period, in one transaction. */
export async function openWorkspace({
  ctx,
  input,
}: Call<Pick<BillingContext, 'store' | 'clock' | 'catalog'>, NewWorkspace>): Promise<Workspace> {
  const now = ctx.clock();
  const plan = ctx.catalog.plan(input.plan);
  return ctx.store.transaction(async (tx, db) => {
    const workspace = await insertWorkspace(db, input, now, plan.overageLimit);
    await startSubscription({ ctx: { tx, db, now }, input: { workspace, plan } });
    return workspace;
  });
}

/** The workspace's subscription; one that predates billing is started on its plan, with no grant. */
export async function getSubscription({ ctx, input }: Call<Context, { workspaceId: string }>): Promise<Subscription> {
  const now = ctx.clock();
  const found = await findSubscription(ctx.store.db, input.workspaceId);
  if (found) return found;
  const workspace = workspaceMustExist(await ctx.store.reader().readAccount(input.workspaceId), input.workspaceId);
  return insertSubscription(ctx.store.db, workspace, now);
}

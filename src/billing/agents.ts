import { TallyError } from '../domain/errors.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Call, Context } from '../ledger/context.ts';
import { randomId } from '../ledger/random-id.ts';
import type { BillingContext } from './context.ts';

export interface Agent {
  id: string;
  name: string;
  createdAt: Date;
}

/** The agents a workspace has registered, oldest first. A downgrade never removes any. */
export async function listAgents({ ctx, input }: { ctx: Context; input: { workspaceId: string } }): Promise<Agent[]> {
  const rows = await ctx.store.db
    .selectFrom('agents')
    .selectAll()
    .where('workspace_id', '=', input.workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: new Date(Number(row.created_at)) }));
}

export async function countAgents({ ctx, input }: { ctx: Context; input: { workspaceId: string } }): Promise<number> {
  const row = await ctx.store.db
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll<number>().as('agents'))
    .where('workspace_id', '=', input.workspaceId)
    .executeTakeFirst();
  return Number(row?.agents ?? 0);
}

/**
 * Registers an agent unless the plan's limit is reached. The count and the insert happen under the
 * workspace's account lock, so of two creates racing for the last place exactly one wins. The same
 * id and name again answers with the agent (`created: false`); the same id with another name is a 409.
 */
export async function createAgent({
  ctx,
  input,
}: Call<
  Pick<BillingContext, 'store' | 'clock' | 'catalog'>,
  { workspaceId: string; id?: string; name: string }
>): Promise<{ agent: Agent; created: boolean }> {
  const now = ctx.clock();
  const { workspaceId } = input;
  const id = input.id ?? randomId('agt');
  const name = input.name.trim();
  if (name === '') throw new TallyError('invalid_request', 'name must not be empty.', { field: 'name' });
  return ctx.store.transaction(async (tx, db) => {
    const account = workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
    const existing = await db
      .selectFrom('agents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (existing) {
      if (existing.name !== name) {
        throw new TallyError('idempotency_conflict', `Agent ${id} already exists with another name.`, { id });
      }
      return { agent: { id, name, createdAt: new Date(Number(existing.created_at)) }, created: false };
    }
    const plan = ctx.catalog.planOrFallback(account.plan);
    const used = await db
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<number>().as('agents'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    const count = Number(used?.agents ?? 0);
    if (count >= plan.agents) {
      throw new TallyError(
        'agent_limit_reached',
        `The ${plan.name} plan allows ${plan.agents} agent${plan.agents === 1 ? '' : 's'} and ${count} are registered. Remove one or upgrade the plan.`,
        { allowed: plan.agents, used: count, plan: plan.id, upgradeUrl: '/upgrade' },
      );
    }
    await db.insertInto('agents').values({ workspace_id: workspaceId, id, name, created_at: now.getTime() }).execute();
    return { agent: { id, name, createdAt: now }, created: true };
  });
}

export async function removeAgent({ ctx, input }: Call<Context, { workspaceId: string; id: string }>): Promise<void> {
  const result = await ctx.store.db
    .deleteFrom('agents')
    .where('workspace_id', '=', input.workspaceId)
    .where('id', '=', input.id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new TallyError('not_found', `Agent ${input.id} does not exist.`);
}

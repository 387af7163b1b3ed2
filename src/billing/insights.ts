import { isLow } from '../domain/low-credit.ts';
import type { Call } from '../ledger/context.ts';
import { findWorkspace } from '../ledger/workspaces.ts';
import { countAgents } from './agents.ts';
import type { PlanInsightsContext } from './context.ts';

/** Agents registered (POST /v1/agents) against the plan's limit, shown beside the balance. */
export async function getAgentAllowance({
  ctx,
  input,
}: Call<Pick<PlanInsightsContext, 'store' | 'clock' | 'catalog'>, { workspaceId: string }>): Promise<{
  used: number;
  allowed: number | null;
}> {
  const [workspace, used] = await Promise.all([findWorkspace({ ctx, input }), countAgents({ ctx, input })]);
  const plan = workspace ? ctx.catalog.planOrFallback(workspace.plan) : undefined;
  return { used, allowed: plan?.agents ?? null };
}

/** The low-credit rule shown beside the balance: whether `available` is low, and where to upgrade. */
export async function checkLowCredit({
  ctx,
  input,
}: Call<PlanInsightsContext, { workspaceId: string; available: number; periodGranted: number }>): Promise<{
  low: boolean;
  upgrade?: { url: string; reason: string };
}> {
  const { workspaceId, available, periodGranted } = input;
  const threshold = await ctx.lowCreditThreshold({ ctx, input: { workspaceId } });
  if (!isLow(available, threshold, periodGranted)) return { low: false };
  return {
    low: true,
    upgrade: {
      url: ctx.upgradeUrl ?? '/upgrade',
      reason:
        available <= 0
          ? 'Credits are used up: agents cannot respond until you add credits.'
          : 'Credits are running low.',
    },
  };
}

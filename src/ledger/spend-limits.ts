import { type Period, periodAt } from '../domain/periods.ts';
import {
  type LimitCounter,
  type LimitMode,
  type LimitSetting,
  limitsFromSettings,
  limitsInPeriod,
  type SpendLimits,
  validateLimitSettings,
} from '../domain/spend-limits.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Call, Context } from './context.ts';

/** PUT /v1/limits: a left-out part stays as it is; `workspace: null` removes that limit, `agents` replaces the list. */
export interface LimitsInput {
  workspace?: { limit: number; mode: LimitMode } | null;
  agents?: { agentId: string; limit: number; mode: LimitMode }[];
}

export type AgentLimitCounter = LimitCounter & { agentId: string };

export interface LimitsView {
  period: Period;
  workspace: LimitCounter | null;
  agents: AgentLimitCounter[];
}

function viewOf(limits: SpendLimits | null, period: Period): LimitsView {
  const counters = limits ? limitsInPeriod(limits, period).counters : [];
  return {
    period,
    workspace: counters.find((counter) => counter.agentId === null) ?? null,
    agents: counters.filter((counter): counter is AgentLimitCounter => counter.agentId !== null),
  };
}

/** The workspace's spend limits and what each has counted this billing period. */
export async function getSpendLimits({ ctx, input }: Call<Context, { workspaceId: string }>): Promise<LimitsView> {
  const now = ctx.clock();
  const { workspaceId } = input;
  const account = workspaceMustExist(await ctx.store.reader().readAccount(workspaceId), workspaceId);
  return viewOf(account.spendLimits, periodAt(account.periodAnchor, now));
}

/**
 * Sets the workspace's spend limits under its account lock, so no charge runs meanwhile: each
 * limit's `used` starts from what the period's charges cost after refunds (one read of the
 * period's responses, here and never on the charge path), and every charge after counts on.
 */
export async function setSpendLimits({
  ctx,
  input,
}: Call<Context, { workspaceId: string; limits: LimitsInput }>): Promise<LimitsView> {
  const now = ctx.clock();
  const { workspaceId, limits: asked } = input;
  const requested = [
    ...(asked.workspace ? [{ agentId: null, ...asked.workspace, field: 'workspace' }] : []),
    ...(asked.agents ?? []).map((agent, i) => ({ ...agent, field: `agents[${i}]` })),
  ];
  validateLimitSettings(requested);
  return ctx.store.transaction(async (tx) => {
    const account = workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
    const period = periodAt(account.periodAnchor, now);
    const kept = account.spendLimits?.counters ?? [];
    const settings: LimitSetting[] = [
      ...(asked.workspace === undefined
        ? kept.filter((counter) => counter.agentId === null)
        : asked.workspace
          ? [{ agentId: null, ...asked.workspace }]
          : []),
      ...(asked.agents === undefined ? kept.filter((counter) => counter.agentId !== null) : asked.agents),
    ].map(({ agentId, limit, mode }) => ({ agentId, limit, mode }));
    const spent =
      settings.length > 0
        ? await tx.spendBetween(workspaceId, period.start, period.end)
        : { total: 0, byAgent: new Map() };
    const limits = limitsFromSettings(settings, spent, account.spendLimits, period);
    await tx.setSpendLimits(workspaceId, limits);
    return viewOf(limits, period);
  });
}

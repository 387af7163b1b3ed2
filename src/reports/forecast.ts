import { dayIn } from '../domain/days.ts';
import { FORECAST_WINDOW_DAYS, type Forecast, forecastCredits } from '../domain/forecast.ts';
import { getBalance } from '../ledger/balance.ts';
import type { WorkspaceRef } from '../ledger/workspaces.ts';
import type { ReportsContext } from './context.ts';
import { workspaceZone } from './ranges.ts';
import { recentDailyCredits } from './usage.ts';

/** When the workspace's credits run out at the pace of its last full days, and the plan that pace suggests. */
export async function usageForecast({ ctx, input }: { ctx: ReportsContext; input: WorkspaceRef }): Promise<Forecast> {
  const now = ctx.clock();
  const { workspaceId } = input;
  const { workspace, zone } = await workspaceZone({ ctx, input });
  const [balance, recentDays] = await Promise.all([
    getBalance({ ctx, input: { workspaceId } }),
    recentDailyCredits({ ctx, input: { workspaceId, today: dayIn(now, zone), days: FORECAST_WINDOW_DAYS } }),
  ]);
  return forecastCredits({
    recentDays,
    available: balance.available,
    period: balance.period,
    usedInPeriod: balance.period.used,
    now,
    plans: ctx.catalog.plans,
    currentPlan: workspace.plan,
  });
}

import type { Catalog } from '../billing/catalog.ts';
import { addDays } from '../domain/days.ts';
import { FORECAST_WINDOW_DAYS, type Forecast, forecastCredits } from '../domain/forecast.ts';
import { periodAt, utcDay } from '../domain/periods.ts';
import { getBalance } from '../ledger/balance.ts';
import { getWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import {
  type DayRange,
  exportUsageCsv,
  type HistoryPoint,
  recentDailyCredits,
  resolveRange,
  type UsageFigures,
  usageHistory,
  usageSummary,
} from './usage.ts';

export const DEFAULT_HISTORY_DAYS = 90;

/** What the dashboard reads, bound to one store, catalog and clock. Every figure comes from the daily rollups. */
export function createReports(store: Store, catalog: Catalog, clock: () => Date) {
  const today = () => utcDay(clock());

  /** The current period, from its first day to today. */
  async function currentPeriodRange(workspaceId: string): Promise<DayRange> {
    const workspace = await getWorkspace(store, workspaceId);
    return { from: utcDay(periodAt(workspace.periodAnchor, clock()).start), to: today() };
  }

  return {
    async summary(workspaceId: string, from?: string, to?: string): Promise<DayRange & UsageFigures> {
      const range = resolveRange(from, to, await currentPeriodRange(workspaceId));
      return { ...range, ...(await usageSummary(store, workspaceId, range)) };
    },

    async history(
      workspaceId: string,
      interval: 'day' | 'week',
      from?: string,
      to?: string,
    ): Promise<DayRange & { interval: 'day' | 'week'; points: HistoryPoint[] }> {
      await getWorkspace(store, workspaceId);
      const range = resolveRange(from, to, { from: addDays(today(), -(DEFAULT_HISTORY_DAYS - 1)), to: today() });
      return { ...range, interval, points: await usageHistory(store, workspaceId, range, interval) };
    },

    async exportCsv(workspaceId: string, from?: string, to?: string): Promise<DayRange & { csv: string }> {
      const range = resolveRange(from, to, await currentPeriodRange(workspaceId));
      return { ...range, csv: await exportUsageCsv(store, workspaceId, range) };
    },

    async forecast(workspaceId: string): Promise<Forecast> {
      const now = clock();
      const [workspace, balance, recentDays] = await Promise.all([
        getWorkspace(store, workspaceId),
        getBalance(store, workspaceId, now),
        recentDailyCredits(store, workspaceId, utcDay(now), FORECAST_WINDOW_DAYS),
      ]);
      return forecastCredits({
        recentDays,
        available: balance.available,
        period: balance.period,
        usedInPeriod: balance.period.used,
        now,
        plans: catalog.data.plans.map((plan) => ({
          id: plan.id,
          monthlyPrice: plan.monthlyPrice,
          creditsPerPeriod: Math.round(plan.creditsPerPeriod * 1000),
        })),
        currentPlan: workspace.plan,
      });
    },
  };
}

export type Reports = ReturnType<typeof createReports>;

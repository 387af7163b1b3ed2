import type { Catalog } from '../billing/catalog.ts';
import type { Clock } from '../domain/clock.ts';
import { addDays, dayIn } from '../domain/days.ts';
import { FORECAST_WINDOW_DAYS, type Forecast, forecastCredits } from '../domain/forecast.ts';
import { periodAt } from '../domain/periods.ts';
import { getBalance } from '../ledger/balance.ts';
import { timeZoneOf } from '../ledger/workspace-settings.ts';
import { getWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { type BreakdownDimension, type BreakdownRow, usageBreakdown } from './breakdown.ts';
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

/** What the dashboard reads, bound to one store, catalog and clock, in days of the workspace's zone. Every figure comes from the local-day rollups (`usage_days`). */
export function createReports(store: Store, catalog: Catalog, clock: Clock) {
  /** The workspace's zone, after checking the workspace exists. */
  async function zoneOf(workspaceId: string): Promise<string> {
    await getWorkspace(store, workspaceId);
    return timeZoneOf(store, workspaceId);
  }

  /** The current period, from the local day it starts on to today, in `zone`. */
  async function currentPeriodRange(workspaceId: string, zone: string): Promise<DayRange> {
    const workspace = await getWorkspace(store, workspaceId);
    const now = clock();
    return { from: dayIn(periodAt(workspace.periodAnchor, now).start, zone), to: dayIn(now, zone) };
  }

  return {
    async summary(workspaceId: string, from?: string, to?: string): Promise<DayRange & UsageFigures> {
      const zone = await zoneOf(workspaceId);
      const range = resolveRange(from, to, await currentPeriodRange(workspaceId, zone), zone);
      return { ...range, ...(await usageSummary(store, workspaceId, range)) };
    },

    async breakdown(
      workspaceId: string,
      by: BreakdownDimension,
      from?: string,
      to?: string,
    ): Promise<DayRange & { by: BreakdownDimension; rows: BreakdownRow[] }> {
      const zone = await zoneOf(workspaceId);
      const range = resolveRange(from, to, await currentPeriodRange(workspaceId, zone), zone);
      return { ...range, by, rows: await usageBreakdown(store, workspaceId, range, by) };
    },

    async history(
      workspaceId: string,
      interval: 'day' | 'week',
      from?: string,
      to?: string,
      agentId?: string,
    ): Promise<DayRange & { interval: 'day' | 'week'; points: HistoryPoint[] }> {
      const zone = await zoneOf(workspaceId);
      const today = dayIn(clock(), zone);
      const range = resolveRange(from, to, { from: addDays(today, -(DEFAULT_HISTORY_DAYS - 1)), to: today }, zone);
      return { ...range, interval, points: await usageHistory(store, workspaceId, range, interval, agentId) };
    },

    async exportCsv(workspaceId: string, from?: string, to?: string): Promise<DayRange & { csv: string }> {
      const zone = await zoneOf(workspaceId);
      const range = resolveRange(from, to, await currentPeriodRange(workspaceId, zone), zone);
      return { ...range, csv: await exportUsageCsv(store, workspaceId, range) };
    },

    async forecast(workspaceId: string): Promise<Forecast> {
      const now = clock();
      const zone = await zoneOf(workspaceId);
      const [workspace, balance, recentDays] = await Promise.all([
        getWorkspace(store, workspaceId),
        getBalance({ ctx: { store, clock: () => now }, input: { workspaceId } }),
        recentDailyCredits(store, workspaceId, dayIn(now, zone), FORECAST_WINDOW_DAYS),
      ]);
      return forecastCredits({
        recentDays,
        available: balance.available,
        period: balance.period,
        usedInPeriod: balance.period.used,
        now,
        plans: catalog.plans,
        currentPlan: workspace.plan,
      });
    },
  };
}

export type Reports = ReturnType<typeof createReports>;

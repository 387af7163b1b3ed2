import { load } from './load.ts';
import type { BenchOptions } from './options.ts';
import { SEED_DAYS } from './seed.ts';
import type { Latency } from './stats.ts';

export interface DashboardRun {
  /** Responses recorded for the workspace read, and workspaces in the database. */
  responses: number;
  workspaces: number;
  reads: { balance: Latency; summary: Latency; history: Latency; breakdown: Latency };
  failed: number;
}

const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

/** The dashboard's four reads, one at a time (one connection), each for the configured duration. */
export async function measureDashboard(
  url: string,
  key: string,
  options: BenchOptions,
  workspaces: number,
): Promise<DashboardRun> {
  const read = (path: string) =>
    load({
      url,
      method: 'GET',
      path,
      headers: { authorization: `Bearer ${key}` },
      seconds: options.seconds,
      connections: 1,
    });
  const balance = await read('/v1/balance');
  const summary = await read(`/v1/usage/summary?from=${day(SEED_DAYS - 1)}&to=${day(0)}`);
  const history = await read('/v1/usage/history');
  // What the dashboard's breakdown card asks for: the last 30 days by agent.
  const breakdown = await read(`/v1/usage/breakdown?by=agent&from=${day(29)}&to=${day(0)}`);
  return {
    responses: options.dashboardResponses,
    workspaces,
    reads: {
      balance: balance.latency,
      summary: summary.latency,
      history: history.latency,
      breakdown: breakdown.latency,
    },
    failed: balance.failed + summary.failed + history.failed + breakdown.failed,
  };
}

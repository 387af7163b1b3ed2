import type { BenchResult } from './bench.ts';
import { round } from './stats.ts';
import type { StoreResult } from './store-suite.ts';

export const TARGETS = {
  chargeVsHttpFloor: 0.5,
  batchChargesPerSec: 50_000,
  checkInProcessP99Ms: 1,
  checkHttpP99Ms: 5,
  chargeP99MsAtHalfRate: 2,
  dashboardP99Ms: 10,
} as const;

export const dashboardP99 = (result: StoreResult): number =>
  Math.max(...result.dashboard.flatMap((run) => Object.values(run.reads).map((latency) => latency.p99)));

export interface Target {
  store: string;
  name: string;
  met: boolean;
  figure: string;
}

/** Each target of issues 7 and 12 against this run’s figures. */
export function targets(result: BenchResult): Target[] {
  return result.stores.flatMap((store) => {
    const vsFloor = store.charge.rps / result.httpFloor.rps;
    return [
      ...(store.store === 'sqlite'
        ? [
            {
              name: 'single charges ≥ 50% of bare node:http',
              met: vsFloor >= TARGETS.chargeVsHttpFloor,
              figure: `${round(vsFloor * 100, 1)}%`,
            },
          ]
        : []),
      ...(store.store === 'sqlite'
        ? [
            {
              name: 'single charge p99 < 2 ms at half the saturated rate',
              met: store.chargeAtRate.p99 < TARGETS.chargeP99MsAtHalfRate,
              figure: `${store.chargeAtRate.p99} ms at ${store.chargeAtRate.rate}/s`,
            },
          ]
        : []),
      {
        name: 'batch ≥ 50,000 charged responses/s',
        met: store.batch.chargesPerSec >= TARGETS.batchChargesPerSec,
        figure: `${store.batch.chargesPerSec}/s`,
      },
      {
        name: 'check p99 < 1 ms in-process',
        met: store.checkInProcess.p99 < TARGETS.checkInProcessP99Ms,
        figure: `${store.checkInProcess.p99} ms`,
      },
      {
        name: 'check p99 < 5 ms over HTTP',
        met: store.checkHttp.p99 < TARGETS.checkHttpP99Ms,
        figure: `${store.checkHttp.p99} ms`,
      },
      {
        name: `every dashboard read p99 < 10 ms at ${store.dashboard[0]?.responses.toLocaleString('en')} responses`,
        met: dashboardP99(store) < TARGETS.dashboardP99Ms,
        figure: `${dashboardP99(store)} ms`,
      },
    ].map((target) => ({ store: store.store, ...target }));
  });
}

/** The one-line JSON a script or CI reads: the first store measured (SQLite, the default). */
export function summaryLine(result: BenchResult): string {
  const store = result.stores[0];
  if (!store) throw new Error('no store was measured');
  if (store.postgres) return postgresLine(store, store.postgres);
  return JSON.stringify({
    store: store.store,
    chargeRps: store.charge.rps,
    httpFloorRps: result.httpFloor.rps,
    chargeVsFloor: round(store.charge.rps / result.httpFloor.rps),
    chargeSpreadRps: store.chargeSpread.rps,
    storageFloorWritesPerSec: store.floors.writesPerSec,
    chargeVsStorageFloor: round(store.charge.rps / store.floors.writesPerSec),
    chargeP99MsAtHalfRate: store.chargeAtRate.p99,
    chargeRate: store.chargeAtRate.rate,
    batchChargesPerSec: store.batch.chargesPerSec,
    checkP99Ms: store.checkHttp.p99,
    checkInProcessP99Ms: store.checkInProcess.p99,
    reserveP99Ms: store.reserveHttp.p99,
    dashboardP99Ms: dashboardP99(store),
    dashboardResponses: store.dashboard[0]?.responses ?? 0,
    rssSteadyMb: store.rssMb.steady,
    targetsMissed: targets(result)
      .filter((target) => !target.met)
      .map((target) => `${target.store}: ${target.name}`),
  });
}

/**
 * PostgreSQL's line (issue 12): single charges spread over workspaces and on one workspace, both
 * against the same load doing one raw INSERT per request, and the round trips a charge took.
 */
function postgresLine(store: StoreResult, postgres: NonNullable<StoreResult['postgres']>): string {
  return JSON.stringify({
    store: store.store,
    chargeRps: store.chargeSpread.rps,
    workspaces: store.chargeSpread.workspaces,
    floorRps: postgres.floorRps,
    chargeVsFloor: round(store.chargeSpread.rps / postgres.floorRps),
    oneWorkspaceRps: store.charge.rps,
    oneWorkspaceVsFloor: round(store.charge.rps / postgres.floorRps),
    batchChargesPerSec: store.batch.chargesPerSec,
    checkP99Ms: store.checkHttp.p99,
    reserveP99Ms: store.reserveHttp.p99,
    roundTripsPerCharge: postgres.roundTripsPerCharge,
    chargeP99MsAtRate: store.chargeAtRate.p99,
    dashboardP99Ms: dashboardP99(store),
    failed: store.charge.failed + store.chargeSpread.failed + store.batch.failed,
  });
}

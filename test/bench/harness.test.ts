import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench.ts';
import { QUICK } from '../../bench/options.ts';
import { renderReport } from '../../bench/report.ts';
import { summaryLine } from '../../bench/summary.ts';

// A smoke test of the harness, not a benchmark: tiny runs, and no assertion on any timing.
describe('npm run bench', () => {
  it('measures every figure on SQLite, and the charges it counts really land', async () => {
    const result = await runBench({
      ...QUICK,
      seconds: 1,
      connections: 4,
      spreadWorkspaces: 3,
      inProcessSamples: 200,
      dashboardResponses: 3000,
      workspaces: 3,
      otherWorkspaceResponses: 100,
    });

    expect(result.httpFloor.rps).toBeGreaterThan(0);
    expect(result.stores.map((store) => store.store)).toEqual(['sqlite']);
    const [sqlite] = result.stores;
    if (!sqlite) throw new Error('no SQLite result');
    expect(sqlite.charge.rps).toBeGreaterThan(0);
    expect(sqlite.chargeSpread).toMatchObject({ workspaces: 3, failed: 0 });
    expect(sqlite.chargeSpread.rps).toBeGreaterThan(0);
    expect(sqlite.chargeAtRate.rate).toBeGreaterThan(0);
    expect(sqlite.batch.chargesPerSec).toBeGreaterThan(0);
    expect(sqlite.checkHttp.samples).toBeGreaterThan(0);
    expect(sqlite.reserveHttp.samples).toBeGreaterThan(0);
    expect(sqlite.checkInProcess.samples).toBe(200);
    expect(sqlite.floors.writesPerSec).toBeGreaterThan(0);
    expect(sqlite.floors.batchWritesPerSec).toBeGreaterThan(0);
    expect(sqlite.rssMb.steady).toBeGreaterThan(0);
    expect(sqlite.dashboard.map((run) => [run.responses, run.workspaces, run.failed])).toEqual([
      [3000, 1, 0],
      [3000, 3, 0],
    ]);
    for (const run of sqlite.dashboard) {
      for (const read of Object.values(run.reads)) expect(read.samples).toBeGreaterThan(0);
    }
    // Each charge costs one credit: the balance fell by at least every charge the load generator saw answered
    // (a charge still in flight when a run stops may land unseen).
    expect(sqlite.landed.charges).toBeGreaterThan(0);
    expect(sqlite.landed.creditsSpent).toBeGreaterThanOrEqual(sqlite.landed.charges);

    const summary = JSON.parse(summaryLine(result));
    for (const field of [
      'chargeRps',
      'httpFloorRps',
      'chargeVsFloor',
      'batchChargesPerSec',
      'checkP99Ms',
      'chargeP99MsAtHalfRate',
      'dashboardP99Ms',
    ]) {
      expect(summary[field]).toBeGreaterThan(0);
    }
    expect(summary.dashboardResponses).toBe(3000);
    expect(renderReport(result, 'test')).toContain('## SQLite (the embedded default)');
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { measureProcessScaling } from '../../bench/process-scaling.ts';
import { renderProcessScaling } from '../../bench/process-scaling-report.ts';
import { TEST_DATABASE_URL } from '../support/stores.ts';

// A smoke test of the harness, not a benchmark: tiny runs, and no assertion on any timing. It starts
// three Tally processes, hence this suite.
describe('npm run bench -- --processes', () => {
  it('charges through each number of Tally processes on one PostgreSQL, none failing', async () => {
    const measured = await measureProcessScaling({
      databaseUrl: TEST_DATABASE_URL,
      processCounts: [1, 2],
      connections: 4,
      workspaces: 3,
      seconds: 1,
    });

    expect(measured.runs.map((row) => [row.processes, row.failed])).toEqual([
      [1, 0],
      [2, 0],
    ]);
    for (const row of measured.runs) expect(row.rps).toBeGreaterThan(0);
    expect(renderProcessScaling(measured, 2)).toContain('| 2 | ');
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { whereItBends } from '../../bench/process-scaling-report.ts';

const run = (processes: number, rps: number, p99: number) => ({ processes, rps, p50: p99 / 2, p99, failed: 0 });
const scaling = (...runs: ReturnType<typeof run>[]) => ({ connections: 64, workspaces: 16, seconds: 10, runs });

describe('the 1/2/4-process table', () => {
  it('names the first step that adds less than a quarter as where it bends', () => {
    expect(whereItBends(scaling(run(1, 1000, 10), run(2, 1800, 12), run(4, 2000, 30)), 8)).toContain(
      'It bends at 2 processes → 4',
    );
    expect(whereItBends(scaling(run(1, 1000, 10), run(2, 1900, 11)), 8)).toContain('it had not bent by 2 processes');
  });
});

/** Every size and duration of a run: the full run, --quick, and the smoke test's tiny run differ only here. */
export interface BenchOptions {
  stores: ('sqlite' | 'postgres')[];
  /** A PostgreSQL URL whose role may create databases: each run migrates a scratch database. */
  databaseUrl: string;
  /** Length of each load run. */
  seconds: number;
  /** Concurrent connections when saturating the charge endpoint. */
  connections: number;
  /** Workspaces the spread charge run takes turns on: each has its own account lock. */
  spreadWorkspaces: number;
  batchSize: number;
  /** Calls timed one by one for the in-process check and the storage read floor. */
  inProcessSamples: number;
  /** Responses seeded for the workspace whose dashboard is read. */
  dashboardResponses: number;
  /** Workspaces in the database for the second dashboard measurement, the read one included. */
  workspaces: number;
  otherWorkspaceResponses: number;
}

const DATABASE_URL =
  process.env.TALLY_BENCH_DATABASE_URL ??
  process.env.TALLY_TEST_DATABASE_URL ??
  'postgres://tally:tally@127.0.0.1:5432/tally';

export const FULL: BenchOptions = {
  stores: ['sqlite', 'postgres'],
  databaseUrl: DATABASE_URL,
  seconds: 10,
  connections: 16,
  spreadWorkspaces: 16,
  batchSize: 1000,
  inProcessSamples: 10_000,
  dashboardResponses: 10_000_000,
  workspaces: 1000,
  otherWorkspaceResponses: 1000,
};

export const QUICK: BenchOptions = {
  ...FULL,
  stores: ['sqlite'],
  seconds: 3,
  inProcessSamples: 2000,
  dashboardResponses: 100_000,
  workspaces: 100,
  otherWorkspaceResponses: 100,
};

/** Every size and duration of a run: the full run, --quick, and the smoke test's tiny run differ only here. */
export interface BenchOptions {
  stores: ('sqlite' | 'postgres')[];
  /**
   * A PostgreSQL URL whose role may create databases: each run migrates a scratch database. Unset,
   * `npm run bench` starts a throwaway PostgreSQL of its own (test/support/postgres-server.ts).
   */
  databaseUrl?: string;
  /** Length of each load run. */
  seconds: number;
  /** Concurrent connections when saturating the charge endpoint. */
  connections: number;
  /** The same on PostgreSQL, where many Tally connections wait on the network rather than the disk. */
  postgresConnections: number;
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
  /** Tally process counts measured side by side on one PostgreSQL (none: the measurement is skipped). */
  processCounts: number[];
  /** Connections in all for the process counts, shared by the processes. */
  processConnections: number;
}

export const FULL: BenchOptions = {
  stores: ['sqlite', 'postgres'],
  databaseUrl: process.env.TALLY_BENCH_DATABASE_URL,
  seconds: 10,
  connections: 16,
  postgresConnections: 64,
  spreadWorkspaces: 16,
  batchSize: 1000,
  inProcessSamples: 10_000,
  dashboardResponses: 10_000_000,
  workspaces: 1000,
  otherWorkspaceResponses: 1000,
  processCounts: [1, 2, 4],
  processConnections: 64,
};

export const QUICK: BenchOptions = {
  ...FULL,
  stores: ['sqlite'],
  seconds: 3,
  inProcessSamples: 2000,
  dashboardResponses: 100_000,
  workspaces: 100,
  otherWorkspaceResponses: 100,
  processCounts: [],
};

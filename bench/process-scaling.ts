import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspace } from './api.ts';
import { load } from './load.ts';
import { type ServerProcess, startTally } from './processes.ts';
import { scratchDatabase } from './store-suite.ts';

export interface ProcessScalingOptions {
  /** A PostgreSQL URL whose role may create databases: each process count gets a fresh scratch database. */
  databaseUrl: string;
  processCounts: readonly number[];
  /** Connections from the load generator in all, shared round-robin by the processes. */
  connections: number;
  /** Workspaces the charges take turns on, each request the next one, whichever process it reaches. */
  workspaces: number;
  seconds: number;
}

export interface ProcessRun {
  processes: number;
  /** Charges answered 201 per second, over every process. */
  rps: number;
  /** Per-request latency under that saturated load, over every process's answers. */
  p50: number;
  p99: number;
  failed: number;
}

export interface ProcessScaling {
  connections: number;
  workspaces: number;
  seconds: number;
  runs: ProcessRun[];
}

const ADMIN_KEY = `op_bench_${'p'.repeat(40)}`;

/**
 * Single charges through 1, 2, 4… Tally processes on one PostgreSQL database, as a load balancer would
 * spread them: it drives only the public HTTP API, so it measures whatever the charge path is today.
 */
export async function measureProcessScaling(
  options: ProcessScalingOptions,
  say: (line: string) => void = () => {},
): Promise<ProcessScaling> {
  const runs: ProcessRun[] = [];
  for (const processes of options.processCounts) {
    say(`${processes} Tally process${processes > 1 ? 'es' : ''} on one PostgreSQL`);
    runs.push(await measureProcesses(processes, options));
  }
  return { connections: options.connections, workspaces: options.workspaces, seconds: options.seconds, runs };
}

async function measureProcesses(processes: number, options: ProcessScalingOptions): Promise<ProcessRun> {
  const scratch = await scratchDatabase(options.databaseUrl);
  // One data folder for all: the first process writes the secret key the others then read, as an operator
  // gives every process the same TALLY_SECRET_KEY.
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-processes-'));
  const servers: ServerProcess[] = [];
  try {
    const settings = { dataDir, adminKey: ADMIN_KEY, databaseUrl: scratch.url };
    // The first migrates the fresh database; the rest start together on the migrated schema.
    servers.push(await startTally(settings));
    servers.push(...(await Promise.all(Array.from({ length: processes - 1 }, () => startTally(settings)))));
    const urls = servers.map((server) => server.url);
    const keys: string[] = [];
    for (let n = 0; n < options.workspaces; n++) {
      const url = urls[n % urls.length] ?? '';
      keys.push((await createWorkspace(url, ADMIN_KEY, `Processes ${n}`)).key);
    }
    let next = 0;
    const charges = (seconds: number) =>
      load({
        url: urls,
        method: 'POST',
        path: '/v1/responses',
        headers: { 'content-type': 'application/json' },
        body: () => {
          const n = next++;
          return JSON.stringify({
            id: `p-${n}`,
            conversationId: `conv-${Math.floor(n / 10)}`,
            channel: 'chat',
            agentId: 'bench',
          });
        },
        keys,
        seconds,
        connections: options.connections,
      });
    // Every process starts cold: a short untimed run compiles its hot path before the timed one.
    await charges(Math.min(2, options.seconds));
    const run = await charges(options.seconds);
    return { processes, rps: run.rps, p50: run.latency.p50, p99: run.latency.p99, failed: run.failed };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

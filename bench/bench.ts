import { cpus, totalmem } from 'node:os';
import { load } from './load.ts';
import type { BenchOptions } from './options.ts';
import { measureProcessScaling, type ProcessScaling } from './process-scaling.ts';
import { startBareHttp } from './processes.ts';
import { type Latency, round } from './stats.ts';
import { benchStore, type StoreResult } from './store-suite.ts';

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
}

export interface BenchResult {
  machine: Machine;
  date: string;
  options: BenchOptions;
  /** Bare node:http: saturated with the same connections as the charge run, and one request at a time. */
  httpFloor: { rps: number; latency: Latency; atRate: Record<string, Latency> };
  stores: StoreResult[];
  /** 1, 2, 4… Tally processes on one PostgreSQL: measured when PostgreSQL is and options.processCounts is not empty. */
  processes?: ProcessScaling;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGb: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
  };
}

const BODY = JSON.stringify({ id: 'resp-1', conversationId: 'conv-1', channel: 'chat', agentId: 'bench' });

/** The process counts' settings from the run's: the spread charge run's workspaces and duration. */
export function processScalingOptions(options: BenchOptions, databaseUrl: string) {
  return {
    databaseUrl,
    processCounts: options.processCounts,
    connections: options.processConnections,
    workspaces: options.spreadWorkspaces,
    seconds: options.seconds,
  };
}

/** Runs every measurement: the HTTP floor first, then each store with its own floors. */
export async function runBench(options: BenchOptions, say: (line: string) => void = () => {}): Promise<BenchResult> {
  const date = new Date().toISOString();
  const bare = await startBareHttp();
  try {
    const floorLoad = (connections: number, rate?: number) =>
      load({
        url: bare.url,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json' },
        body: () => BODY,
        seconds: options.seconds,
        connections,
        ...(rate ? { rate } : {}),
      });
    say('HTTP floor: bare node:http');
    const saturated = await floorLoad(options.connections);
    const single = await floorLoad(1);
    const stores: StoreResult[] = [];
    const atRate: Record<string, Latency> = {};
    for (const store of options.stores) {
      say(`Tally on ${store}`);
      const result = await benchStore(store, options);
      atRate[store] = (await floorLoad(options.connections, result.chargeAtRate.rate)).latency;
      stores.push(result);
    }
    const processes =
      options.stores.includes('postgres') && options.databaseUrl && options.processCounts.length > 0
        ? await measureProcessScaling(processScalingOptions(options, options.databaseUrl), say)
        : undefined;
    return {
      machine: machine(),
      date,
      options,
      httpFloor: { rps: saturated.rps, latency: single.latency, atRate },
      stores,
      ...(processes && { processes }),
    };
  } finally {
    await bare.stop();
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { checkCredits } from '../src/ledger/check-credits.ts';
import { openStore } from '../src/open-store.ts';
import { startRoundTripProxy } from '../test/support/round-trip-proxy.ts';
import { availableCredits, createWorkspace } from './api.ts';
import { type DashboardRun, measureDashboard } from './dashboard.ts';
import { type RawStore, rawPostgres, rawSqlite, readFloor, writeFloor } from './floors.ts';
import { type LoadRun, type LoadSpec, load } from './load.ts';
import type { BenchOptions } from './options.ts';
import { startBareHttp, startTally } from './processes.ts';
import { postgresTarget, type SeedTarget, seedOtherWorkspaces, seedResponses, sqliteTarget } from './seed.ts';
import { type Latency, round, timeCalls } from './stats.ts';

export type StoreName = 'sqlite' | 'postgres';

export interface StoreResult {
  store: StoreName;
  charge: { rps: number; failed: number };
  /** The same saturated charges taking turns on several workspaces, so they do not all wait for one account lock. */
  chargeSpread: { rps: number; failed: number; workspaces: number };
  /** Single charges offered at half the rate `charge` saturated at in the same run. */
  chargeAtRate: { rate: number; p50: number; p99: number; failed: number };
  batch: { chargesPerSec: number; requestsPerSec: number; batchSize: number; failed: number };
  checkHttp: Latency;
  reserveHttp: Latency;
  checkInProcess: Latency;
  dashboard: DashboardRun[];
  rssMb: { idle: number; steady: number; peak: number };
  floors: { writesPerSec: number; batchWritesPerSec: number; read: Latency };
  /** Charges the load generator saw succeed, and the credits the balance says were spent: they must match. */
  landed: { charges: number; creditsSpent: number };
  /** PostgreSQL only: the spread charge load doing one raw INSERT per request instead, and round trips per charge. */
  postgres?: { floorRps: number; roundTripsPerCharge: number };
}

const MB = 1024 * 1024;

/** A scratch PostgreSQL database per run, so Tally migrates a fresh schema like on a new install. */
export async function scratchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tally_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function storageFloors(raw: RawStore, options: BenchOptions): Promise<StoreResult['floors']> {
  try {
    return {
      writesPerSec: await writeFloor(raw, options.seconds, 1),
      batchWritesPerSec: await writeFloor(raw, options.seconds, options.batchSize),
      read: await readFloor(raw, options.inProcessSamples),
    };
  } finally {
    await raw.close();
  }
}

export async function benchStore(store: StoreName, options: BenchOptions): Promise<StoreResult> {
  const dir = mkdtempSync(join(tmpdir(), `tally-bench-${store}-`));
  if (store === 'postgres' && !options.databaseUrl) throw new Error('a PostgreSQL run needs options.databaseUrl');
  const scratch = store === 'postgres' && options.databaseUrl ? await scratchDatabase(options.databaseUrl) : null;
  const databaseUrl = scratch?.url ?? null;
  const adminKey = `op_bench_${'k'.repeat(40)}`;
  const server = await startTally({ dataDir: dir, adminKey, databaseUrl });
  try {
    const main = await createWorkspace(server.url, adminKey, 'Bench');
    const headers = { authorization: `Bearer ${main.key}`, 'content-type': 'application/json' };
    let next = 0;
    const response = () => {
      const n = next++;
      return { id: `${store}-${n}`, conversationId: `conv-${Math.floor(n / 10)}`, channel: 'chat', agentId: 'bench' };
    };
    const post = (path: string, body: () => string, extra: Partial<LoadSpec> = {}): Promise<LoadRun> =>
      load({
        url: server.url,
        method: 'POST',
        path,
        headers,
        body,
        seconds: options.seconds,
        connections: 1,
        ...extra,
      });

    const before = await availableCredits(server.url, main.key);
    const idle = server.rssBytes();
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(server.rssBytes()), 200);
    const connections = store === 'postgres' ? options.postgresConnections : options.connections;
    const charge = await post('/v1/responses', () => JSON.stringify(response()), { connections });
    clearInterval(sampler);
    const rate = Math.max(1, Math.round(charge.rps / 2));
    const atRate = await post('/v1/responses', () => JSON.stringify(response()), {
      connections,
      rate,
    });
    const batch = await post(
      '/v1/responses/batch',
      () => JSON.stringify({ responses: Array.from({ length: options.batchSize }, response) }),
      { connections: 2 },
    );
    const after = await availableCredits(server.url, main.key);

    const spreadKeys = [main.key];
    while (spreadKeys.length < options.spreadWorkspaces) {
      spreadKeys.push((await createWorkspace(server.url, adminKey, `Spread ${spreadKeys.length}`)).key);
    }
    const spreadSpec = (url: string): LoadSpec => ({
      url,
      method: 'POST',
      path: '/v1/responses',
      headers,
      body: () => JSON.stringify(response()),
      seconds: options.seconds,
      connections,
      keys: spreadKeys,
    });
    const spread = await load(spreadSpec(server.url));
    const postgres = databaseUrl
      ? {
          floorRps: (await postgresFloor(databaseUrl, options.seconds, connections)).rps,
          roundTripsPerCharge: await roundTripsPerCharge(
            databaseUrl,
            { dataDir: dir, adminKey },
            (tally, seconds) => load({ ...spreadSpec(tally), seconds }),
            options.seconds,
          ),
        }
      : undefined;

    const check = await post('/v1/check', () => '{}');
    const reserve = await post('/v1/reservations', () => '{"ttlSeconds":1}');

    const dashboardWorkspace = await createWorkspace(server.url, adminKey, 'Dashboard');
    const target: SeedTarget = databaseUrl ? await postgresTarget(databaseUrl) : sqliteTarget(join(dir, 'tally.db'));
    const dashboard: DashboardRun[] = [];
    try {
      await seedResponses(target, dashboardWorkspace.id, dashboardWorkspace.grantId, options.dashboardResponses);
      dashboard.push(await measureDashboard(server.url, dashboardWorkspace.key, options, 1));
      await seedOtherWorkspaces(target, options.workspaces - 1, options.otherWorkspaceResponses);
      dashboard.push(await measureDashboard(server.url, dashboardWorkspace.key, options, options.workspaces));
    } finally {
      await target.close();
    }
    await server.stop();

    const checkInProcess = await inProcessCheck(databaseUrl, join(dir, 'tally.db'), main.id, options.inProcessSamples);
    const floors = await storageFloors(databaseUrl ? await rawPostgres(databaseUrl) : rawSqlite(dir), options);

    return {
      store,
      charge: { rps: charge.rps, failed: charge.failed },
      chargeSpread: { rps: spread.rps, failed: spread.failed, workspaces: spreadKeys.length },
      chargeAtRate: { rate, p50: atRate.latency.p50, p99: atRate.latency.p99, failed: atRate.failed },
      batch: {
        chargesPerSec: round(batch.rps * options.batchSize, 0),
        requestsPerSec: batch.rps,
        batchSize: options.batchSize,
        failed: batch.failed,
      },
      checkHttp: check.latency,
      reserveHttp: reserve.latency,
      checkInProcess,
      dashboard,
      rssMb: {
        idle: round(idle / MB, 1),
        steady: round(rss.reduce((sum, value) => sum + value, 0) / Math.max(rss.length, 1) / MB, 1),
        peak: round(Math.max(idle, ...rss) / MB, 1),
      },
      floors,
      landed: { charges: charge.ok + atRate.ok + batch.ok * options.batchSize, creditsSpent: round(before - after) },
      ...(postgres && { postgres }),
    };
  } finally {
    await server.stop();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The spread charge load against bare node:http writing one autocommitted row per request: the PostgreSQL floor. */
async function postgresFloor(databaseUrl: string, seconds: number, connections: number): Promise<LoadRun> {
  const floor = await startBareHttp(databaseUrl);
  try {
    return await load({
      url: floor.url,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
      body: () => '{}',
      seconds,
      connections,
    });
  } finally {
    await floor.stop();
  }
}

/**
 * Round trips per charge, counted by a proxy between a second Tally and PostgreSQL
 * (test/support/round-trip-proxy.ts) over a saturated charge run, after the pool has warmed up.
 * Everything Tally sends in that time counts, background work included.
 */
async function roundTripsPerCharge(
  databaseUrl: string,
  settings: { dataDir: string; adminKey: string },
  run: (url: string, seconds: number) => Promise<LoadRun>,
  seconds: number,
): Promise<number> {
  const proxy = await startRoundTripProxy(databaseUrl);
  const tally = await startTally({ ...settings, databaseUrl: proxy.url });
  try {
    await run(tally.url, 1);
    proxy.reset();
    const charged = await run(tally.url, seconds);
    return round(proxy.roundTrips / Math.max(charged.ok, 1), 2);
  } finally {
    await tally.stop();
    await proxy.close();
  }
}

/** `checkCredits` called in this process, on the store the server used (after it stopped). */
async function inProcessCheck(databaseUrl: string | null, sqliteFile: string, workspaceId: string, samples: number) {
  const store = await openStore({ databaseUrl, sqliteFile, sqliteSynchronous: 'full' });
  try {
    const ctx = { store, clock: () => new Date() };
    return await timeCalls(samples, () => checkCredits({ ctx, input: { workspaceId } }));
  } finally {
    await store.close();
  }
}

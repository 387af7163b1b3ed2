import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openStore } from '../../src/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { startServer, type TestServer } from '../support/http.ts';
import { type PostgresPair, startPostgresWithReplica } from '../support/postgres-server.ts';

/*
 * Tally opened with TALLY_DATABASE_READ_URL on a real streaming replica of its PostgreSQL: the
 * dashboard's figures (usage, conversations, the statement) come from the replica and follow the primary once replayed, while what decides
 * money (the balance, check) reads the primary and sees a charge at once, even while the replica's
 * replay is paused.
 */

let pair: PostgresPair;
let dataDir: string;
let store: Store;
let server: TestServer;
let replica: pg.Client;

/** Polls `read` until `done` holds for what it returns; fails after `seconds`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${seconds}s`);
    await sleep(50);
  }
}

async function replayPaused(paused: boolean): Promise<void> {
  await replica.query(paused ? 'select pg_wal_replay_pause()' : 'select pg_wal_replay_resume()');
  const state = async () => (await replica.query('select pg_get_wal_replay_pause_state() as s')).rows[0].s as string;
  await until(state, (s) => (paused ? s === 'paused' : s === 'not paused'));
}

describe('dashboard reads from a read replica (TALLY_DATABASE_READ_URL)', () => {
  beforeAll(async () => {
    pair = await startPostgresWithReplica();
    dataDir = mkdtempSync(join(tmpdir(), 'tally-read-replica-'));
    const config = loadConfig({
      TALLY_DATA_DIR: dataDir,
      TALLY_DATABASE_URL: pair.primary.url,
      TALLY_DATABASE_READ_URL: pair.replicaUrl,
    });
    store = await openStore(config);
    server = await startServer(store);
    replica = new pg.Client({ connectionString: pair.replicaUrl });
    await replica.connect();
  });
  afterAll(async () => {
    await replica?.end().catch(() => undefined);
    await server?.close();
    await store?.close();
    await pair?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens its shown reads on the replica and everything else on the primary', async () => {
    const recovering = async (db: Store['db']) =>
      (await sql<{ r: boolean }>`select pg_is_in_recovery() as r`.execute(db)).rows[0]?.r;
    expect(await recovering(store.replica.db)).toBe(true);
    expect(await recovering(store.db)).toBe(false);
  });

  it('shows a charge on the dashboard once the replica has replayed it; the balance and check see it at once', async () => {
    const workspace = await server.workspace(100);
    const summary = async () => (await server.call('GET', '/v1/usage/summary', { key: workspace.key })).body;
    const conversations = async () => (await server.call('GET', '/v1/conversations', { key: workspace.key })).body;
    const charges = async () =>
      (await server.call('GET', '/v1/ledger', { key: workspace.key })).body.lines.filter(
        (line: { kind: string }) => line.kind === 'charge',
      ).length;
    const available = async () => (await server.call('GET', '/v1/balance', { key: workspace.key })).body.available;
    const charge = (id: string) =>
      server.call('POST', '/v1/responses', {
        key: workspace.key,
        body: { id, conversationId: 'conv-1', channel: 'chat', agentId: 'agent-1' },
      });

    const first = await charge('resp-1');
    expect(first.status).toBe(201);
    const cost: number = first.body.cost;
    expect(cost).toBeGreaterThan(0);
    // The replica replays the charge shortly after it commits on the primary.
    expect(await until(summary, (s) => s.responses === 1)).toMatchObject({ creditsUsed: cost, chats: 1 });
    expect((await conversations()).items).toEqual([expect.objectContaining({ id: 'conv-1', responses: 1 })]);
    expect(await charges()).toBe(1);

    await replayPaused(true);
    try {
      expect((await charge('resp-2')).status).toBe(201);
      // What decides money reads the primary: the second charge counts at once.
      expect(await available()).toBe(100 - 2 * cost);
      const check = await server.call('POST', '/v1/check', { key: workspace.key, body: { count: 1 } });
      expect(check.body).toMatchObject({ allowed: true, available: 100 - 2 * cost });
      // The dashboard shows what the replica has replayed: still the first charge alone.
      await sleep(300);
      expect(await summary()).toMatchObject({ responses: 1, creditsUsed: cost });
      expect((await conversations()).items).toEqual([expect.objectContaining({ id: 'conv-1', responses: 1 })]);
      expect(await charges()).toBe(1);
    } finally {
      await replayPaused(false);
    }
    expect(await until(summary, (s) => s.responses === 2)).toMatchObject({ creditsUsed: 2 * cost });
    expect((await conversations()).items).toEqual([expect.objectContaining({ id: 'conv-1', responses: 2 })]);
    expect(await charges()).toBe(2);
  });
});

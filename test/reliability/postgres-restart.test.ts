import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, field, type Reply } from '../support/http-call.ts';
import { type PostgresServer, startThrowawayPostgres } from '../support/postgres-server.ts';
import { openBooks, readBooks } from './support/books.ts';
import { recordFigure } from './support/figures.ts';
import { type Books, postgresBooks, startTally, type Tally, workspaceWithKey } from './support/tally-process.ts';

/*
 * PostgreSQL goes away under load and comes back. While it is away, Tally must say so plainly (503
 * `unavailable` with Retry-After, never a 500 or a hang); once it is back, Tally must serve again by
 * itself, without a restart of its own; and no charge it acknowledged may be lost.
 *
 * It stops and starts a PostgreSQL server of its own (never the run's shared server, nor the
 * machine's), so nothing else that runs meanwhile is disturbed.
 */

const LANES = 4;
const OCCURRED_AT = new Date().toISOString();

let postgres: PostgresServer;

async function postgresReady(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgres.url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitFor(what: string, ready: () => Promise<boolean>, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${seconds}s`);
    await sleep(250);
  }
}

function chargeBody(id: string) {
  return { id, conversationId: 'conv-restart', channel: 'chat', agentId: 'agent-1', occurredAt: OCCURRED_AT };
}

describe('PostgreSQL restarted under load', () => {
  let books: Books | undefined;
  let tally: Tally | undefined;
  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
  });
  afterAll(async () => {
    await tally?.kill('SIGTERM');
    await books?.remove().catch(() => undefined);
    await postgres?.remove();
  });

  it('gets 503 unavailable while the database is away, recovers by itself, and loses no acknowledged charge', async () => {
    books = await postgresBooks(postgres.url);
    const running = await startTally(books);
    tally = running;
    const workspace = await workspaceWithKey(running.url, 100_000);

    const acknowledged = new Map<string, Reply>();
    /** Ids whose charge got an error: after recovery each is retried and must charge at most once. */
    const unanswered = new Set<string>();
    const unexpected: string[] = [];
    let outageReplies = 0;
    let sent = 0;
    let next = 0;
    let lanesRunning = true;

    async function lane() {
      while (lanesRunning) {
        const id = `pg-${next++}`;
        sent++;
        const reply = await call(running.url, 'POST', '/v1/responses', {
          key: workspace.key,
          body: chargeBody(id),
          timeoutMs: 30_000,
        });
        if (reply.status === 201) {
          acknowledged.set(id, reply);
        } else if (reply.status === 503 && field(reply.body, 'error', 'code') === 'unavailable') {
          outageReplies++;
          unanswered.add(id);
          if (!Number(reply.headers.get('retry-after'))) unexpected.push(`${id}: 503 without Retry-After`);
          await sleep(50);
        } else {
          unexpected.push(`${id}: ${reply.status} ${reply.text}`);
          unanswered.add(id);
          await sleep(50);
        }
      }
    }

    const lanes = Array.from({ length: LANES }, () => lane());
    await sleep(1500);
    const beforeOutage = acknowledged.size;

    await postgres.stop();
    // While the server is down, every request that needs it is refused plainly and promptly.
    await sleep(2000);
    const down = await call(running.url, 'POST', '/v1/responses', {
      key: workspace.key,
      body: chargeBody('during-outage'),
    });
    unanswered.add('during-outage');
    expect(down.status, down.text).toBe(503);
    expect(field(down.body, 'error', 'code')).toBe('unavailable');
    expect(typeof field(down.body, 'error', 'requestId')).toBe('string');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    const ready = await call(running.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);

    await postgres.start();
    await waitFor('PostgreSQL accepts connections again', postgresReady);
    // Tally serves again without being restarted: the lanes' charges succeed once more.
    const afterRestart = acknowledged.size;
    await waitFor('Tally acknowledges charges again', async () => acknowledged.size > afterRestart + 20, 30);
    lanesRunning = false;
    await Promise.all(lanes);

    expect(unexpected).toEqual([]);
    expect(beforeOutage).toBeGreaterThan(0);
    expect(outageReplies).toBeGreaterThan(0);
    expect((await call(running.url, 'GET', '/readyz')).status).toBe(200);

    // Every id that got an error is retried now: it charges once (or replays a charge that did commit).
    for (const id of unanswered) {
      const retry = await call(running.url, 'POST', '/v1/responses', { key: workspace.key, body: chargeBody(id) });
      expect(retry.status, `${id}: ${retry.text}`).toBe(201);
    }

    const store = await openBooks(books);
    try {
      const recorded = await readBooks(store, workspace.id);
      expect(recorded.report.differences).toEqual([]);
      expect(recorded.orphanCharges).toEqual([]);
      for (const [id, reply] of acknowledged) {
        expect(recorded.responses.get(id)?.rows, `acknowledged ${id}`).toBe(1);
        expect(-(recorded.charges.get(id) ?? 0) / 1000, id).toBe(field(reply.body, 'cost'));
      }
      for (const id of unanswered) expect(recorded.responses.get(id)?.rows, `retried ${id}`).toBe(1);
      expect(recorded.responses.size).toBe(acknowledged.size + unanswered.size);
    } finally {
      await store.close();
    }

    recordFigure('postgresRestart', {
      requestsSent: sent + 1,
      acknowledgedChecked: acknowledged.size,
      unavailableReplies: outageReplies + 1,
      retriedAfterRecovery: unanswered.size,
      fiveHundreds: 0,
    });
  });
});

import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { call, field, type Reply } from '../support/http-call.ts';
import { openBooks, readBooks } from './support/books.ts';
import { recordFigure } from './support/figures.ts';
import {
  type Books,
  postgresBooks,
  sqliteBooks,
  startTally,
  type Tally,
  workspaceWithKey,
} from './support/tally-process.ts';

/*
 * Tally is killed with SIGKILL (no shutdown, no flush) while clients charge. Whatever a client saw
 * acknowledged must be in the books exactly once, with its charge lines; nothing half-written may
 * be left behind; and a retry of an acknowledged id must answer the same and charge nothing.
 */

const LANES = 6;
const KILLS = 3;
const OCCURRED_AT = new Date().toISOString();

function chargeBody(id: string) {
  return { id, conversationId: `conv-${id.slice(-1)}`, channel: 'chat', agentId: 'agent-1', occurredAt: OCCURRED_AT };
}

const cases: Array<[string, () => Promise<Books>]> = [
  ['SQLite', async () => sqliteBooks()],
  ['PostgreSQL', postgresBooks],
];

describe.each(cases)('a Tally killed mid-charge on %s', (name, makeBooks) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('keeps every acknowledged charge exactly once and nothing half-written', async () => {
    const books = await makeBooks();
    cleanup.push(() => books.remove());
    let tally: Tally = await startTally(books);
    cleanup.push(() => tally.kill());
    const workspace = await workspaceWithKey(tally.url, 100_000);

    const acknowledged = new Map<string, Reply>();
    const unacknowledged = new Set<string>();
    let sent = 0;
    let next = 0;
    let running = true;

    async function lane(laneNo: number) {
      while (running) {
        // One request in five retries an id this lane sent before, acknowledged or not.
        const retry = next > 0 && randomInt(5) === 0;
        const id = retry ? `r-${randomInt(next)}` : `r-${next++}`;
        const url = tally.url;
        sent++;
        const reply = await call(url, 'POST', '/v1/responses', { key: workspace.key, body: chargeBody(id) });
        if (reply.status === 200 || reply.status === 201) {
          const first = acknowledged.get(id);
          if (first) expect(field(reply.body, 'cost')).toEqual(field(first.body, 'cost'));
          else acknowledged.set(id, reply);
          unacknowledged.delete(id);
        } else if (!acknowledged.has(id)) {
          unacknowledged.add(id);
          if (reply.status !== 0) throw new Error(`lane ${laneNo}: ${reply.status} ${reply.text}`);
          await sleep(20);
        }
      }
    }

    // A lane that meets an answer other than success or a dropped connection stops the run.
    const failures: unknown[] = [];
    const lanes = Array.from({ length: LANES }, (_, i) =>
      lane(i).catch((error: unknown) => {
        failures.push(error);
        running = false;
      }),
    );
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(400 + randomInt(900));
      await tally.kill('SIGKILL');
      tally = await startTally(books);
    }
    await sleep(300);
    running = false;
    await Promise.all(lanes);
    expect(failures).toEqual([]);
    await tally.kill('SIGKILL');

    const store = await openBooks(books);
    cleanup.push(() => store.close());
    const before = await readBooks(store, workspace.id);
    expect(before.report.differences).toEqual([]);
    expect(before.orphanCharges).toEqual([]);
    for (const [id, recorded] of before.responses) {
      expect(recorded.rows, id).toBe(1);
      expect(before.charges.get(id), `charge lines of ${id}`).toBe(-recorded.cost);
    }
    for (const [id, reply] of acknowledged) {
      expect(before.responses.get(id)?.rows, `acknowledged ${id}`).toBe(1);
      expect(-(before.charges.get(id) ?? 0) / 1000).toBe(field(reply.body, 'cost'));
    }

    // After a restart, every acknowledged id answers the same and charges nothing.
    tally = await startTally(books);
    const balanceBefore = await call(tally.url, 'GET', '/v1/balance', { key: workspace.key });
    for (const [id, first] of acknowledged) {
      const again = await call(tally.url, 'POST', '/v1/responses', { key: workspace.key, body: chargeBody(id) });
      expect([200, 201]).toContain(again.status);
      expect(again.body, id).toEqual(first.body);
    }
    const balanceAfter = await call(tally.url, 'GET', '/v1/balance', { key: workspace.key });
    expect(field(balanceAfter.body, 'available')).toEqual(field(balanceBefore.body, 'available'));
    await tally.kill('SIGTERM');
    const after = await readBooks(store, workspace.id);
    expect(after.lines).toBe(before.lines);
    expect(after.report.differences).toEqual([]);

    expect(acknowledged.size).toBeGreaterThan(50);
    recordFigure(`crash.${name}`, {
      requestsSent: sent,
      kills: KILLS,
      acknowledgedChecked: acknowledged.size,
      unacknowledgedAtEnd: unacknowledged.size,
      responsesRecorded: before.responses.size,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * Several Tally processes share one database (a PostgreSQL database, or one SQLite file) and nothing
 * else. Many clients at once race for a workspace's last credits, and every id is sent twice, to two
 * different processes at the same moment (a client retrying through another server behind a load balancer). The database
 * alone must make the answers right: exactly the affordable number succeed, each once, never below
 * zero, and credits held by a reservation are not sold to anyone else.
 */

const PROCESSES = 3;
const OCCURRED_AT = new Date().toISOString();

function chargeBody(id: string) {
  return { id, conversationId: 'conv-race', channel: 'chat', agentId: 'agent-1', occurredAt: OCCURRED_AT };
}

/** Every attempt of an id agrees: all charged with the same reply, or all refused for want of credits. */
function outcomes(byId: Map<string, Reply[]>): { charged: string[]; refused: string[] } {
  const charged: string[] = [];
  const refused: string[] = [];
  for (const [id, replies] of byId) {
    const statuses = replies.map((reply) => reply.status);
    if (statuses.every((status) => status === 201)) {
      const [first, ...rest] = replies;
      for (const reply of rest) expect(field(reply.body, 'cost'), id).toEqual(field(first?.body, 'cost'));
      charged.push(id);
    } else if (statuses.every((status) => status === 402)) {
      for (const reply of replies) expect(field(reply.body, 'error', 'code')).toBe('insufficient_credits');
      refused.push(id);
    } else {
      throw new Error(
        `${id}: attempts disagree: ${replies.map((reply) => `${reply.status} ${reply.text}`).join(' | ')}`,
      );
    }
  }
  return { charged, refused };
}

const cases: Array<[string, () => Promise<Books>]> = [
  ['SQLite', async () => sqliteBooks()],
  ['PostgreSQL', postgresBooks],
];

describe.each(cases)(`${PROCESSES} Tally processes on one %s database`, (store, makeBooks) => {
  let books: Books;
  const tallies: Tally[] = [];
  let requestsSent = 0;

  beforeAll(async () => {
    books = await makeBooks();
    // One at a time, so the first applies the migrations and the others find them done.
    for (let i = 0; i < PROCESSES; i++) tallies.push(await startTally(books));
  });

  afterAll(async () => {
    await Promise.all(tallies.map((tally) => tally.kill('SIGTERM')));
    await books?.remove();
  });

  /** The process that serves attempt `attempt` of item `index`: a retry always goes to another one. */
  function serverFor(index: number, attempt: number): string {
    const tally = tallies[(index + attempt) % tallies.length];
    if (!tally) throw new Error('no Tally running');
    return tally.url;
  }

  function send(base: string, method: string, path: string, options: Parameters<typeof call>[3]): Promise<Reply> {
    requestsSent++;
    return call(base, method, path, options);
  }

  async function available(base: string, key: string): Promise<number> {
    const balance = await call(base, 'GET', '/v1/balance', { key });
    expect(balance.status).toBe(200);
    return field<number>(balance.body, 'available');
  }

  /** Sends each id to two processes at once; answers every attempt of every id, by id. */
  async function chargeEachTwice(key: string, ids: string[]): Promise<Map<string, Reply[]>> {
    const attempts = ids.flatMap((id, index) =>
      [0, 1].map(async (attempt) => ({
        id,
        reply: await send(serverFor(index, attempt), 'POST', '/v1/responses', { key, body: chargeBody(id) }),
      })),
    );
    const byId = new Map<string, Reply[]>();
    for (const { id, reply } of await Promise.all(attempts)) byId.set(id, [...(byId.get(id) ?? []), reply]);
    return byId;
  }

  async function checkBooks(workspaceId: string, charged: string[]) {
    const store = await openBooks(books);
    try {
      const recorded = await readBooks(store, workspaceId);
      expect(recorded.report.differences).toEqual([]);
      expect(recorded.orphanCharges).toEqual([]);
      expect([...recorded.responses.keys()].sort()).toEqual([...charged].sort());
      for (const [id, response] of recorded.responses) {
        expect(response.rows, id).toBe(1);
        expect(recorded.charges.get(id), id).toBe(-response.cost);
      }
    } finally {
      await store.close();
    }
  }

  it('sell the last credits exactly once each: no double charge, no overdraft', async () => {
    const first = tallies[0]?.url ?? '';
    const workspace = await workspaceWithKey(first, 0);
    const start = await available(first, workspace.key);
    expect(start).toBeGreaterThan(10);
    const ids = Array.from({ length: start * 2 }, (_, i) => `last-${i}`);

    const { charged, refused } = outcomes(await chargeEachTwice(workspace.key, ids));

    expect(charged).toHaveLength(start);
    expect(refused).toHaveLength(ids.length - start);
    for (const tally of tallies) expect(await available(tally.url, workspace.key)).toBe(0);
    const balance = await call(first, 'GET', '/v1/balance', { key: workspace.key });
    expect(field(balance.body, 'overage', 'debt')).toBe(0);
    await checkBooks(workspace.id, charged);

    recordFigure(`races.lastCredits.${store}`, {
      processes: PROCESSES,
      credits: start,
      distinctIds: ids.length,
      attempts: ids.length * 2,
      charged: charged.length,
      refused: refused.length,
    });
  });

  it('honour reservations: held credits are sold to no one else, commit charges once, release gives back', async () => {
    const first = tallies[0]?.url ?? '';
    const workspace = await workspaceWithKey(first, 0);
    const key = workspace.key;
    const start = await available(first, key);
    const keys = Array.from({ length: start * 2 }, (_, i) => `hold-${i}`);

    // Every reservation, with its Idempotency-Key, goes to two processes at once.
    const reserved = await Promise.all(
      keys.flatMap((idempotencyKey, index) =>
        [0, 1].map(async (attempt) => ({
          idempotencyKey,
          reply: await send(serverFor(index, attempt), 'POST', '/v1/reservations', {
            key,
            body: { ttlSeconds: 600 },
            headers: { 'idempotency-key': idempotencyKey },
          }),
        })),
      ),
    );
    const holds = new Map<string, string>();
    for (const { idempotencyKey, reply } of reserved) {
      expect([201, 402], reply.text).toContain(reply.status);
      if (reply.status !== 201) continue;
      const id = field<string>(reply.body, 'id');
      const seen = holds.get(idempotencyKey);
      if (seen) expect(id, 'the same Idempotency-Key holds once').toBe(seen);
      holds.set(idempotencyKey, id);
    }
    expect(holds.size).toBe(start);
    expect(await available(first, key)).toBe(0);

    // While everything is held, plain charges through any process are refused.
    const meanwhile = outcomes(
      await chargeEachTwice(
        key,
        Array.from({ length: 10 }, (_, i) => `unheld-${i}`),
      ),
    );
    expect(meanwhile.charged).toEqual([]);

    // Half the holds are committed, half released, each twice through two processes at once.
    const holdIds = [...holds.values()];
    const toCommit = holdIds.slice(0, Math.floor(holdIds.length / 2));
    const toRelease = holdIds.slice(toCommit.length);
    const settled = await Promise.all([
      ...toCommit.flatMap((holdId, index) =>
        [0, 1].map(async (attempt) => ({
          holdId,
          kind: 'commit' as const,
          reply: await send(serverFor(index, attempt), 'POST', `/v1/reservations/${holdId}/commit`, {
            key,
            body: chargeBody(`committed-${holdId}`),
          }),
        })),
      ),
      ...toRelease.flatMap((holdId, index) =>
        [0, 1].map(async (attempt) => ({
          holdId,
          kind: 'release' as const,
          reply: await send(serverFor(index, attempt), 'POST', `/v1/reservations/${holdId}/release`, { key }),
        })),
      ),
    ]);
    for (const { holdId, kind, reply } of settled) {
      if (kind === 'commit') expect(reply.status, `${holdId}: ${reply.text}`).toBe(201);
      else {
        expect(reply.status, `${holdId}: ${reply.text}`).toBe(200);
        expect(field(reply.body, 'status')).toBe('released');
      }
    }
    expect(await available(first, key)).toBe(toRelease.length);

    // What was released is for sale again, and only that.
    const after = outcomes(
      await chargeEachTwice(
        key,
        Array.from({ length: toRelease.length * 2 }, (_, i) => `after-${i}`),
      ),
    );
    expect(after.charged).toHaveLength(toRelease.length);
    for (const tally of tallies) expect(await available(tally.url, key)).toBe(0);
    await checkBooks(workspace.id, [...toCommit.map((holdId) => `committed-${holdId}`), ...after.charged]);

    recordFigure(`races.reservations.${store}`, {
      processes: PROCESSES,
      credits: start,
      reservationAttempts: keys.length * 2,
      held: holds.size,
      committed: toCommit.length,
      released: toRelease.length,
      requestsSentSoFar: requestsSent,
    });
  });
});

import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { call, field } from '../support/http-call.ts';
import {
  ADMIN_KEY,
  type Books,
  postgresBooks,
  REPO_ROOT,
  startTally,
  type Tally,
  workspaceWithKey,
} from './support/tally-process.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let books: Books | null = null;
let tally: Tally | null = null;
afterEach(async () => {
  await tally?.kill();
  await books?.remove();
  tally = null;
  books = null;
});

async function databaseNow(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ now: Date }>('select clock_timestamp() as now');
    return (rows[0] as { now: Date }).now.getTime();
  } finally {
    await client.end();
  }
}

/** How far an instant Tally decided may be from the database's clock: far less than the skew. */
const near = (at: number, expected: number) => expect(Math.abs(at - expected)).toBeLessThan(5 * MINUTE);

it('decides expiry, holds and periods by the database clock, not by a process whose clock runs two days ahead', async () => {
  books = await postgresBooks();
  const url = books.databaseUrl as string;
  tally = await startTally(books, {
    NODE_OPTIONS: `--import=${join(REPO_ROOT, 'test/reliability/support/skewed-clock.mjs')}`,
    TALLY_TEST_CLOCK_SKEW_MS: String(2 * DAY),
  });
  const ws = await workspaceWithKey(tally.url, 0);
  const before = await call(tally.url, 'GET', '/v1/balance', { key: ws.key });
  const plan = field<number>(before.body, 'available');

  // A grant that expires in 30 minutes of database time: already past by the skewed clock.
  const expiresAt = new Date((await databaseNow(url)) + 30 * MINUTE).toISOString();
  const grant = await call(tally.url, 'POST', `/v1/workspaces/${ws.id}/grants`, {
    key: ADMIN_KEY,
    body: { id: 'g-half-hour', amount: 10, source: 'promotion', reason: 'skew', expiresAt },
  });
  expect(grant.status).toBe(201);
  near(Date.parse(field<string>(grant.body, 'grant', 'effectiveAt')), await databaseNow(url));

  const reserved = await call(tally.url, 'POST', '/v1/reservations', {
    key: ws.key,
    body: { count: 2, ttlSeconds: 60 },
  });
  expect(reserved.status).toBe(201);
  near(Date.parse(field<string>(reserved.body, 'expiresAt')), (await databaseNow(url)) + MINUTE);

  const balance = await call(tally.url, 'GET', '/v1/balance', { key: ws.key });
  expect(balance.status).toBe(200);
  // The half-hour grant counts and the hold holds, whatever the process's own clock says.
  expect(field<number>(balance.body, 'available')).toBe(plan + 10 - 2);
  // The workspace's first period began on the database's day, not on the process's.
  const sincePeriodStart = (await databaseNow(url)) - Date.parse(field<string>(balance.body, 'period', 'start'));
  expect(sincePeriodStart).toBeGreaterThanOrEqual(0);
  expect(sincePeriodStart).toBeLessThan(DAY);
});

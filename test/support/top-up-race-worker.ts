/**
 * One Tally process in test/billing/auto-top-up-race.test.ts, run as its own process:
 *   node --import tsx test/support/top-up-race-worker.ts '<json plan>'
 * It opens the store the test created (a PostgreSQL schema or a SQLite file), builds Tally on it (manual payments, the small
 * pack catalog), serves HTTP on loopback and prints `ready <url>`. On `pay` it runs one auto top-up
 * payer round and prints `paid <json>`; on `stop` it closes and exits.
 */
import { createInterface } from 'node:readline';
import { buildApp } from '../../src/app.ts';
import { payDue } from '../../src/billing/auto-top-up/payer.ts';
import { openPostgres } from '../../src/store/postgres/open.ts';
import { openSqlite } from '../../src/store/sqlite/open.ts';
import { SMALL_PACK_CATALOG } from './auto-top-up.ts';
import { TEST_ADMIN_KEY } from './http.ts';
import { withSchemaLock } from './schema-lock.ts';

export interface TopUpRacePlan {
  location: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };
  nowMs: number;
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (!argument) throw new Error('usage: top-up-race-worker.ts <json plan>');
  const plan = JSON.parse(argument) as TopUpRacePlan;
  const { location } = plan;
  const store =
    location.kind === 'sqlite'
      ? await openSqlite(location.file)
      : await withSchemaLock(location.url, 'shared', () =>
          openPostgres(location.url, { schema: location.schema, poolSize: 5 }),
        );
  const now = () => new Date(plan.nowMs);
  const app = await buildApp({
    store,
    clock: now,
    logger: false,
    catalog: SMALL_PACK_CATALOG,
    config: {
      adminKey: TEST_ADMIN_KEY,
      rateLimitPerMinute: 0,
      bodyLimitBytes: 1_048_576,
      twilioApiUrl: 'http://127.0.0.1:9',
      payments: 'manual',
    },
  });
  const url = await app.server.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`ready ${url}\n`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'pay') {
      const round = await payDue({ ctx: app.ctx, input: { returnUrl: `${url}/upgrade` } });
      process.stdout.write(`paid ${JSON.stringify(round)}\n`);
    }
    if (line.trim() === 'stop') break;
  }
  lines.close();
  await app.server.close();
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

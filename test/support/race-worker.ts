/**
 * One racer in test/ledger/race.test.ts, run as its own process:
 *   node --import tsx test/support/race-worker.ts '<json plan>'
 * It opens the store the test created, prints `ready`, waits for `go` on stdin, charges every
 * response id in its plan from a few concurrent lanes, and prints one JSON line of outcomes.
 */
import { createInterface } from 'node:readline';
import { TallyError } from '../../src/domain/errors.ts';
import { chargeResponse } from '../../src/ledger/charge-response.ts';
import { openPostgres } from '../../src/store/postgres/open.ts';
import { openSqlite } from '../../src/store/sqlite/open.ts';
import type { Store } from '../../src/store/store.ts';
import { contextAt } from './context.ts';
import { withSchemaLock } from './schema-lock.ts';

export interface RacePlan {
  location: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };
  worker: number;
  lanes: number;
  /** When to charge, as the same instant for every racer. */
  nowMs: number;
  attempts: Array<{ workspaceId: string; id: string; conversationId: string }>;
}

export interface RaceOutcome {
  worker: number;
  workspaceId: string;
  id: string;
  /** `charged` and `replayed` succeeded; anything else is the error code, or `crash` for a non-ledger error. */
  outcome: 'charged' | 'replayed' | string;
  available: number | null;
  message?: string;
}

async function open(location: RacePlan['location']): Promise<Store> {
  if (location.kind === 'sqlite') return openSqlite(location.file);
  // Opening runs the migrator, whose catalog scan must not meet another test file dropping its schema.
  return withSchemaLock(location.url, 'shared', () =>
    openPostgres(location.url, { schema: location.schema, poolSize: 5 }),
  );
}

async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'go') break;
  }
  lines.close();
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (!argument) throw new Error('usage: race-worker.ts <json plan>');
  const plan = JSON.parse(argument) as RacePlan;
  const store = await open(plan.location);
  process.stdout.write('ready\n');
  await waitForGo();

  const now = new Date(plan.nowMs);
  const outcomes: RaceOutcome[] = [];
  let next = 0;
  const lane = async () => {
    while (next < plan.attempts.length) {
      const attempt = plan.attempts[next++];
      if (!attempt) break;
      try {
        const result = await chargeResponse({
          ctx: contextAt(store, now),
          input: { ...attempt, channel: 'call', agentId: 'agent-race' },
        });
        outcomes.push({
          worker: plan.worker,
          workspaceId: attempt.workspaceId,
          id: attempt.id,
          outcome: result.replayed ? 'replayed' : 'charged',
          available: result.available,
        });
      } catch (error) {
        outcomes.push({
          worker: plan.worker,
          workspaceId: attempt.workspaceId,
          id: attempt.id,
          outcome: error instanceof TallyError ? error.code : 'crash',
          available: null,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: plan.lanes }, lane));
  await store.close();
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

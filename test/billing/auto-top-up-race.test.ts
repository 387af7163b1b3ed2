import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../support/http.ts';
import { describeStores } from '../support/stores.ts';
import type { TopUpRacePlan } from '../support/top-up-race-worker.ts';

/*
 * Three Tally processes share one PostgreSQL (and, as a bonus, one SQLite file), each with its own connections and nothing else in
 * common, and take concurrent charges that cross the auto top-up threshold at once. Lago #5870
 * bought a top-up twice; here the decision is made under the workspace's row lock with a unique
 * attempt per crossing, and paying is claimed by a conditional update, so exactly one pack is bought.
 */

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../support/top-up-race-worker.ts');
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PROCESSES = 3;
const CHARGES = 30;

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function start(plan: TopUpRacePlan): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(plan)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    running.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    running.stderr += chunk.toString();
  });
  return running;
}

async function waitFor(racers: Running[], pattern: RegExp, what: string): Promise<string[]> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const found = racers.map((r) => pattern.exec(r.stdout)?.[1]);
    if (found.every((value) => value !== undefined)) return found as string[];
    const dead = racers.find((r) => r.child.exitCode !== null);
    if (dead) throw new Error(`a Tally process exited before ${what}: ${dead.stderr}`);
    if (Date.now() > deadline) {
      throw new Error(`Tally processes did not ${what} in 90 s: ${racers.map((r) => r.stdout + r.stderr).join(' | ')}`);
    }
    await sleep(10);
  }
}

async function call(url: string, method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads reply fields directly and asserts on them
  return { status: response.status, body: (await response.json()) as any };
}

describeStores('three Tally processes on one database', (ctx) => {
  let racers: Running[] = [];
  afterEach(() => {
    for (const racer of racers) if (racer.child.exitCode === null) racer.child.kill();
    racers = [];
  });

  it('buy exactly one pack when their charges cross the threshold at once', async () => {
    const plan = { location: ctx.location, nowMs: Date.parse('2026-11-20T12:00:00Z') };
    racers = Array.from({ length: PROCESSES }, () => start(plan));
    const urls = await waitFor(racers, /ready (\S+)\n/, 'start');
    const [first = ''] = urls;

    const ws = await call(first, 'POST', '/v1/workspaces', TEST_ADMIN_KEY, { name: 'Race', plan: 'free' });
    const key = (
      await call(first, 'POST', `/v1/workspaces/${ws.body.id}/keys`, TEST_ADMIN_KEY, {
        scopes: ['ingest', 'read', 'admin'],
      })
    ).body.key;
    await call(first, 'POST', `/v1/workspaces/${ws.body.id}/grants`, TEST_ADMIN_KEY, {
      id: 'initial',
      amount: CHARGES + 5,
      source: 'promotion',
      reason: 'race credits',
    });
    const set = await call(urls[1] ?? first, 'PUT', '/v1/auto-top-up', key, {
      enabled: true,
      threshold: 20,
      pack: 'pack-5',
      maxPerMonth: 10,
    });
    expect(set.status).toBe(200);

    // Every charge goes to another process, all at once: the balance falls from 35 to 5 through the line at 20.
    const charges = await Promise.all(
      Array.from({ length: CHARGES }, (_, i) =>
        call(urls[i % PROCESSES] ?? first, 'POST', '/v1/responses', key, {
          id: `r-${i}`,
          conversationId: `c-${i}`,
          channel: 'chat',
          agentId: 'a1',
        }),
      ),
    );
    expect(charges.map((c) => c.status)).toEqual(Array(CHARGES).fill(201));

    for (const racer of racers) racer.child.stdin?.write('pay\n');
    const rounds = (await waitFor(racers, /paid (\S+)\n/, 'pay')).map((line) => JSON.parse(line));
    expect(rounds.reduce((sum, round) => sum + round.claimed, 0)).toBe(1);
    for (const racer of racers) racer.child.stdin?.write('stop\n');
    expect(await Promise.all(racers.map((r) => r.exited))).toEqual(Array(PROCESSES).fill(0));

    const attempts = await ctx.store.db
      .selectFrom('auto_top_up_attempts')
      .select(['status', 'grant_id'])
      .where('workspace_id', '=', ws.body.id)
      .execute();
    expect(attempts).toEqual([{ status: 'succeeded', grant_id: expect.stringMatching(/^auto-top-up:/) }]);
    const grants = await ctx.store.db
      .selectFrom('grants')
      .select('id')
      .where('workspace_id', '=', ws.body.id)
      .where('id', 'like', 'auto-top-up:%')
      .execute();
    expect(grants).toHaveLength(1);
  }, 240_000);
});

import { expect, it } from 'vitest';
import { getBalance } from '../../src/ledger/balance.ts';
import { grantCredits } from '../../src/ledger/grant-credits.ts';
import { verifyLedger } from '../../src/ledger/verify-ledger.ts';
import { createWorkspace } from '../../src/ledger/workspaces.ts';
import type { Store } from '../../src/store/store.ts';
import { TestClock } from '../support/clock.ts';
import { contextAt } from '../support/context.ts';
import type { RaceOutcome, RacePlan } from '../support/race-worker.ts';
import { runRacers } from '../support/racers.ts';
import { describeStores, type StoreLocation } from '../support/stores.ts';

/*
 * Several operating-system processes, each with its own connections, race to charge the last
 * credits of one workspace. Correctness must come from the database (PostgreSQL's row lock on the
 * workspace, SQLite's write lock), never from memory shared between racers: they share none.
 */

const WORKERS = 4;
/** Concurrent charges inside each process. */
const LANES = 3;
const CREDITS = 20;
/** Ids every process tries, at the same positions in its list, so they are retried at the same moment. */
const SHARED_IDS = 16;
/** Ids only one process tries. */
const OWN_IDS = 14;

function attemptsFor(workspaceId: string, worker: number): RacePlan['attempts'] {
  const attempts: RacePlan['attempts'] = [];
  for (let i = 0; i < Math.max(SHARED_IDS, OWN_IDS); i++) {
    // Conversations are shared too, so the racers also contend on counting each call once.
    if (i < SHARED_IDS) attempts.push({ workspaceId, id: `shared-${i}`, conversationId: `call-${i % 5}` });
    if (i < OWN_IDS) attempts.push({ workspaceId, id: `w${worker}-${i}`, conversationId: `call-${(i + worker) % 5}` });
  }
  return attempts;
}

/**
 * Starts the racers, waits until each has its store open, lets them all go at once, and samples the
 * workspace's balance from this process until they finish. Returns every attempt's outcome and the
 * lowest available balance seen by anyone.
 */
async function race(
  store: Store,
  location: StoreLocation,
  workspaceId: string,
  now: Date,
): Promise<{ outcomes: RaceOutcome[]; lowestSeen: number }> {
  let lowestSeen = Number.POSITIVE_INFINITY;
  const outcomes = await runRacers(
    Array.from({ length: WORKERS }, (_, worker) => ({
      location,
      worker,
      lanes: LANES,
      nowMs: now.getTime(),
      attempts: attemptsFor(workspaceId, worker),
    })),
    async () => {
      lowestSeen = Math.min(
        lowestSeen,
        (await getBalance({ ctx: contextAt(store, now), input: { workspaceId } })).available,
      );
    },
  );
  for (const outcome of outcomes) {
    if (outcome.available !== null) lowestSeen = Math.min(lowestSeen, outcome.available);
  }
  return { outcomes, lowestSeen };
}

describeStores('racing processes charge the last credits of one workspace', (ctx) => {
  async function raceOn(overageLimit: number) {
    const clock = new TestClock();
    const ws = (
      await createWorkspace({
        ctx: contextAt(ctx.store, clock.now()),
        input: { name: 'Race', plan: 'payg', overageLimit },
      })
    ).id;
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'last-credits', amount: CREDITS * 1000, source: 'purchase', reason: 'pack' },
    });
    const { outcomes, lowestSeen } = await race(ctx.store, ctx.location, ws, clock.now());
    return {
      ws,
      outcomes,
      lowestSeen,
      balance: await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } }),
    };
  }

  /** What every racer's attempts add up to, checked the same way for both overage rules. */
  async function expectExactlyOnce(ws: string, outcomes: RaceOutcome[], expectedCharges: number) {
    expect(outcomes.filter((o) => o.outcome === 'crash')).toEqual([]);
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(['charged', 'replayed', 'insufficient_credits']));
    expect(outcomes).toHaveLength(WORKERS * (SHARED_IDS + OWN_IDS));

    const chargedIds = outcomes.filter((o) => o.outcome === 'charged').map((o) => o.id);
    // No id was charged by two racers, and exactly as many charges went through as credits pay for.
    expect(chargedIds.length).toBe(new Set(chargedIds).size);
    expect(chargedIds).toHaveLength(expectedCharges);
    // Racers that retried an id someone else charged were answered with the first result.
    const replayed = outcomes.filter((o) => o.outcome === 'replayed');
    expect(replayed.length).toBeGreaterThanOrEqual(WORKERS - 1);
    for (const retry of replayed) expect(chargedIds).toContain(retry.id);

    const rows = await ctx.store.db.selectFrom('responses').select(['id']).where('workspace_id', '=', ws).execute();
    expect(rows.map((r) => r.id).sort()).toEqual([...chargedIds].sort());
    const charges = await ctx.store.db
      .selectFrom('ledger_lines')
      .select(['response_id'])
      .where('workspace_id', '=', ws)
      .where('kind', '=', 'charge')
      .where('grant_id', 'is not', null)
      .execute();
    expect(new Set(charges.map((c) => c.response_id)).size).toBe(charges.length);
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  }

  it('charges exactly as many responses as the credits pay for under the block rule, each id once', async () => {
    const { ws, outcomes, lowestSeen, balance } = await raceOn(0);
    await expectExactlyOnce(ws, outcomes, CREDITS);
    expect(lowestSeen).toBeGreaterThanOrEqual(0);
    expect({ available: balance.available, debt: balance.overageDebt }).toEqual({ available: 0, debt: 0 });
  });

  it('goes below zero by no more than the overage limit, each id once', async () => {
    const limit = 3000;
    const { ws, outcomes, lowestSeen, balance } = await raceOn(limit);
    await expectExactlyOnce(ws, outcomes, CREDITS + limit / 1000);
    expect(lowestSeen).toBeGreaterThanOrEqual(-limit);
    expect({ available: balance.available, debt: balance.overageDebt }).toEqual({ available: -limit, debt: limit });
  });
});

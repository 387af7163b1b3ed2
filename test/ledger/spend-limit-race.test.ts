import { expect, it } from 'vitest';
import { grantCredits } from '../../src/ledger/grant-credits.ts';
import { getSpendLimits, type LimitsInput, setSpendLimits } from '../../src/ledger/spend-limits.ts';
import { verifyLedger } from '../../src/ledger/verify-ledger.ts';
import { createWorkspace } from '../../src/ledger/workspaces.ts';
import { TestClock } from '../support/clock.ts';
import { contextAt } from '../support/context.ts';
import { runRacers } from '../support/racers.ts';
import { describeStores } from '../support/stores.ts';

/*
 * Operating-system processes, each with its own connections and concurrent lanes, race to charge
 * past a block limit of one workspace that has credits to spare. The limit holds because it is
 * decided under the account lock in the charge's own transaction, never from process memory.
 */

const WORKERS = 3;
const LANES = 3;
const ATTEMPTS = 8;

describeStores('racing processes against a block spend limit', (ctx) => {
  async function raceAgainst(limits: LimitsInput) {
    const clock = new TestClock();
    const ws = (
      await createWorkspace({ ctx: contextAt(ctx.store, clock.now()), input: { name: 'Limited', plan: 'payg' } })
    ).id;
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'plenty', amount: 1_000_000, source: 'purchase', reason: 'pack' },
    });
    await setSpendLimits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, limits } });
    const outcomes = await runRacers(
      Array.from({ length: WORKERS }, (_, worker) => ({
        location: ctx.location,
        worker,
        lanes: LANES,
        nowMs: clock.now().getTime(),
        attempts: Array.from({ length: ATTEMPTS }, (_, i) => ({
          workspaceId: ws,
          id: `w${worker}-${i}`,
          conversationId: `call-${i % 3}`,
        })),
      })),
    );
    const charged = await ctx.store.db
      .selectFrom('responses')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('cost').as('cost')])
      .where('workspace_id', '=', ws)
      .executeTakeFirstOrThrow();
    return {
      outcomes,
      charged,
      view: await getSpendLimits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } }),
    };
  }

  it("never passes the workspace's limit: exactly as many charges as it allows, the rest refused", async () => {
    const { outcomes, charged, view } = await raceAgainst({ workspace: { limit: 10_000, mode: 'block' } });
    expect(outcomes.filter((o) => o.outcome === 'charged')).toHaveLength(10);
    expect(outcomes.filter((o) => o.outcome === 'spend_limit_reached')).toHaveLength(WORKERS * ATTEMPTS - 10);
    expect({ count: Number(charged.count), cost: Number(charged.cost) }).toEqual({ count: 10, cost: 10_000 });
    expect(view.workspace).toMatchObject({ used: 10_000, reached: true });
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it("never passes an agent's limit", async () => {
    const { outcomes, charged, view } = await raceAgainst({
      agents: [{ agentId: 'agent-race', limit: 7_000, mode: 'block' }],
    });
    expect(outcomes.filter((o) => o.outcome === 'charged')).toHaveLength(7);
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(['charged', 'spend_limit_reached']));
    expect(Number(charged.cost)).toBe(7_000);
    expect(view.agents[0]).toMatchObject({ agentId: 'agent-race', used: 7_000, reached: true });
  });
});

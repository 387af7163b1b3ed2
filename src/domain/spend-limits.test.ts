import { describe, expect, it } from 'vitest';
import { periodAt } from './periods.ts';
import {
  type LimitCounter,
  limitRefusal,
  limitsFromSettings,
  limitsInPeriod,
  refundAgainstLimits,
  refusedByLimit,
  type SpendLimits,
  spendAgainstLimits,
} from './spend-limits.ts';

const anchor = new Date('2026-11-10T00:00:00Z');
const period = periodAt(anchor, new Date('2026-11-20T00:00:00Z'));
const counter = (over: Partial<LimitCounter>): LimitCounter => ({
  agentId: null,
  limit: 10_000,
  mode: 'block',
  used: 0,
  reached: false,
  ...over,
});
const limitsOf = (...counters: LimitCounter[]): SpendLimits => ({ periodStart: period.start, counters });

describe('deciding a spend against spend limits', () => {
  it('lets a charge spend a block limit up to exactly its amount, and no further', () => {
    const limits = limitsOf(counter({ used: 9_000 }));
    expect(limitRefusal(limits, { agentId: 'a1', cost: 1_000, held: 0 })).toBeNull();
    expect(limitRefusal(limits, { agentId: 'a1', cost: 1_001, held: 0 })).toEqual({
      scope: 'workspace',
      agentId: null,
      limit: 10_000,
      used: 9_000,
    });
  });

  it("counts what others hold against the workspace's limit, not against an agent's", () => {
    const limits = limitsOf(counter({ limit: 5_000 }), counter({ agentId: 'a1', limit: 2_000 }));
    expect(limitRefusal(limits, { agentId: 'a1', cost: 1_000, held: 4_500 })?.scope).toBe('workspace');
    const agentOnly = limitsOf(counter({ agentId: 'a1', limit: 2_000 }));
    expect(limitRefusal(agentOnly, { agentId: 'a1', cost: 1_000, held: 9_000 })).toBeNull();
  });

  it('never refuses for an alert limit or for another agent', () => {
    const limits = limitsOf(counter({ mode: 'alert', used: 10_000 }), counter({ agentId: 'a2', used: 10_000 }));
    expect(limitRefusal(limits, { agentId: 'a1', cost: 5_000, held: 0 })).toBeNull();
  });

  it('reports a limit reached once per period, when used reaches it', () => {
    let limits = limitsOf(counter({ mode: 'alert', limit: 2_000 }));
    const first = spendAgainstLimits(limits, 'a1', 1_500, period);
    expect(first.reached).toEqual([]);
    const second = spendAgainstLimits(first.limits, 'a1', 500, period);
    expect(second.reached).toEqual([
      {
        scope: 'workspace',
        agentId: null,
        limit: 2_000,
        used: 2_000,
        mode: 'alert',
        periodStart: period.start,
        periodEnd: period.end,
      },
    ]);
    limits = spendAgainstLimits(second.limits, 'a1', 500, period).limits;
    expect(spendAgainstLimits(limits, 'a1', 500, period).reached).toEqual([]);

    const next = periodAt(anchor, period.end);
    const rolled = limitsInPeriod(limits, next);
    expect(rolled.counters[0]).toMatchObject({ used: 0, reached: false });
    expect(spendAgainstLimits(rolled, 'a1', 2_000, next).reached).toHaveLength(1);
  });

  it('marks a block limit reached when it first refuses', () => {
    const limits = limitsOf(counter({ agentId: 'a1', limit: 1_500, used: 1_000 }));
    const refusal = limitRefusal(limits, { agentId: 'a1', cost: 1_000, held: 0 });
    if (!refusal) throw new Error('expected a refusal');
    const refused = refusedByLimit(limits, refusal, period);
    expect(refused.reached).toEqual([expect.objectContaining({ scope: 'agent', agentId: 'a1', used: 1_000 })]);
    expect(refusedByLimit(refused.limits, refusal, period).reached).toEqual([]);
  });

  it("lowers used by a refund of this period's charge only", () => {
    const limits = limitsOf(counter({ used: 3_000 }), counter({ agentId: 'a2', used: 3_000 }));
    const refunded = refundAgainstLimits(limits, { agentId: 'a1', cost: 1_000, chargedAt: period.start }, period);
    expect(refunded.counters.map((c) => c.used)).toEqual([2_000, 3_000]);
    const earlier = new Date(period.start.getTime() - 1);
    expect(refundAgainstLimits(limits, { agentId: 'a1', cost: 1_000, chargedAt: earlier }, period)).toBe(limits);
  });

  it('starts new limits from what the period spent, keeping an unchanged limit announced', () => {
    const current = limitsOf(counter({ reached: true }), counter({ agentId: 'a1', limit: 1_000, reached: true }));
    const spent = { total: 12_000, byAgent: new Map([['a1', 2_000]]) };
    const next = limitsFromSettings(
      [
        { agentId: null, limit: 10_000, mode: 'block' },
        { agentId: 'a1', limit: 3_000, mode: 'block' },
        { agentId: 'a9', limit: 3_000, mode: 'alert' },
      ],
      spent,
      current,
      period,
    );
    expect(next?.counters.map(({ used, reached }) => ({ used, reached }))).toEqual([
      { used: 12_000, reached: true },
      { used: 2_000, reached: false },
      { used: 0, reached: false },
    ]);
    expect(limitsFromSettings([], spent, current, period)).toBeNull();
  });
});

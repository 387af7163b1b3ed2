import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { burnDown, burnDownOrder } from './burn-down.ts';
import { type Grant, isLive } from './grants.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * 3600_000);

function grant(id: string, remaining: number, extra: Partial<Grant> = {}): Grant {
  return {
    id,
    workspaceId: 'ws',
    source: 'purchase',
    amount: remaining,
    remaining,
    priority: 0,
    effectiveAt: at(-48),
    expiresAt: null,
    createdAt: at(-48),
    reason: 'test',
    ...extra,
  };
}

describe('the order credits are spent in', () => {
  it('spends the grant that expires soonest first, and a grant that never expires last', () => {
    const grants = [
      grant('never', 5000),
      grant('in-a-week', 5000, { expiresAt: at(24 * 7) }),
      grant('tomorrow', 5000, { expiresAt: at(24) }),
    ];
    const { draws } = burnDown(grants, 12_000, NOW);
    expect(draws).toEqual([
      { grantId: 'tomorrow', amount: 5000 },
      { grantId: 'in-a-week', amount: 5000 },
      { grantId: 'never', amount: 2000 },
    ]);
  });

  it('among grants that expire together, spends the lower priority value first', () => {
    const expiresAt = at(24);
    const grants = [
      grant('priority-5', 1000, { expiresAt, priority: 5 }),
      grant('priority-1', 1000, { expiresAt, priority: 1 }),
      grant('priority-3', 1000, { expiresAt, priority: 3 }),
    ];
    expect(burnDown(grants, 2500, NOW).draws).toEqual([
      { grantId: 'priority-1', amount: 1000 },
      { grantId: 'priority-3', amount: 1000 },
      { grantId: 'priority-5', amount: 500 },
    ]);
  });

  it('spends an earlier expiry before a lower priority value', () => {
    const grants = [grant('urgent-priority', 1000, { priority: -10 }), grant('expiring', 1000, { expiresAt: at(1) })];
    expect(burnDown(grants, 1000, NOW).draws).toEqual([{ grantId: 'expiring', amount: 1000 }]);
  });

  it('among grants equal in expiry and priority, spends the oldest first', () => {
    const grants = [
      grant('newest', 1000, { createdAt: at(-1) }),
      grant('oldest', 1000, { createdAt: at(-30) }),
      grant('middle', 1000, { createdAt: at(-10) }),
    ];
    expect(burnDown(grants, 3000, NOW).draws.map((d) => d.grantId)).toEqual(['oldest', 'middle', 'newest']);
  });

  it('is a total order: grants equal in everything else are ordered by id', () => {
    const a = grant('a', 1000);
    const b = grant('b', 1000);
    expect(burnDownOrder(a, b)).toBeLessThan(0);
    expect(burnDownOrder(b, a)).toBeGreaterThan(0);
    expect(burnDownOrder(a, a)).toBe(0);
  });

  it('never draws from a grant that has expired or has not taken effect yet', () => {
    const grants = [
      grant('expired-now', 1000, { expiresAt: NOW }),
      grant('starts-later', 1000, { effectiveAt: at(1) }),
      grant('empty', 0),
      grant('live', 500),
    ];
    expect(burnDown(grants, 2000, NOW)).toEqual({ draws: [{ grantId: 'live', amount: 500 }], shortfall: 1500 });
  });

  it('counts a grant from its effective instant up to, not including, its expiry instant', () => {
    const g = grant('g', 1000, { effectiveAt: NOW, expiresAt: at(1) });
    expect(isLive(g, NOW)).toBe(true);
    expect(isLive(g, new Date(at(1).getTime() - 1))).toBe(true);
    expect(isLive(g, at(1))).toBe(false);
    expect(isLive(g, new Date(NOW.getTime() - 1))).toBe(false);
  });

  it('reports what the grants could not pay as the shortfall, and draws nothing for a zero cost', () => {
    expect(burnDown([grant('g', 300)], 1000, NOW)).toEqual({ draws: [{ grantId: 'g', amount: 300 }], shortfall: 700 });
    expect(burnDown([], 1000, NOW)).toEqual({ draws: [], shortfall: 1000 });
    expect(burnDown([grant('g', 300)], 0, NOW)).toEqual({ draws: [], shortfall: 0 });
  });

  it('does not reorder or change the grants it is given', () => {
    const grants = [grant('b', 1000, { expiresAt: at(5) }), grant('a', 1000, { expiresAt: at(1) })];
    const before = structuredClone(grants);
    burnDown(grants, 1500, NOW);
    expect(grants).toEqual(before);
  });
});

const HOUR = 3600_000;

/** Grants with unique ids, spread around NOW so some are expired, some not yet effective, some empty. */
const grantsArbitrary = fc
  .uniqueArray(
    fc.record({
      id: fc.stringMatching(/^[a-z0-9]{1,6}$/),
      amount: fc.integer({ min: 1, max: 50_000 }),
      spentShare: fc.double({ min: 0, max: 1, noNaN: true }),
      priority: fc.integer({ min: -3, max: 3 }),
      createdHoursAgo: fc.integer({ min: 0, max: 200 }),
      effectiveInHours: fc.integer({ min: -100, max: 10 }),
      lifetimeHours: fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
    }),
    { selector: (g) => g.id, maxLength: 12 },
  )
  .map((drafts) =>
    drafts.map((d): Grant => {
      const effectiveAt = new Date(NOW.getTime() + d.effectiveInHours * HOUR);
      return grant(d.id, d.amount - Math.floor(d.amount * d.spentShare), {
        amount: d.amount,
        priority: d.priority,
        createdAt: new Date(NOW.getTime() - d.createdHoursAgo * HOUR),
        effectiveAt,
        expiresAt: d.lifetimeHours === null ? null : new Date(effectiveAt.getTime() + d.lifetimeHours * HOUR),
      });
    }),
  );

describe('burning down any set of grants (property)', () => {
  it('conserves credits: draws within each grant, draws plus shortfall equal the cost, in burn-down order', () => {
    fc.assert(
      fc.property(grantsArbitrary, fc.integer({ min: 0, max: 300_000 }), (grants, cost) => {
        const { draws, shortfall } = burnDown(grants, cost, NOW);
        const byId = new Map(grants.map((g) => [g.id, g]));
        const live = grants.filter((g) => g.remaining > 0 && isLive(g, NOW)).sort(burnDownOrder);

        // Never more than a grant still holds, never from a grant that is not live, never twice.
        expect(new Set(draws.map((d) => d.grantId)).size).toBe(draws.length);
        for (const draw of draws) {
          const source = byId.get(draw.grantId);
          expect(source).toBeDefined();
          if (!source) continue;
          expect(isLive(source, NOW)).toBe(true);
          expect(draw.amount).toBeGreaterThan(0);
          expect(draw.amount).toBeLessThanOrEqual(source.remaining);
        }

        // Every millicredit of the cost is either drawn or reported short.
        expect(draws.reduce((sum, d) => sum + d.amount, 0) + shortfall).toBe(cost);
        expect(shortfall).toBeGreaterThanOrEqual(0);
        const liveTotal = live.reduce((sum, g) => sum + g.remaining, 0);
        expect(shortfall).toBe(Math.max(0, cost - liveTotal));

        // The drawn grants are a prefix of the burn-down order, each but the last drained fully.
        expect(draws.map((d) => d.grantId)).toEqual(live.slice(0, draws.length).map((g) => g.id));
        draws.forEach((draw, index) => {
          if (index < draws.length - 1 || shortfall > 0) expect(draw.amount).toBe(live[index]?.remaining);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same draws whatever order the grants are listed in', () => {
    fc.assert(
      fc.property(
        grantsArbitrary.chain((grants) =>
          fc.tuple(fc.constant(grants), fc.shuffledSubarray(grants, { minLength: grants.length })),
        ),
        fc.integer({ min: 0, max: 300_000 }),
        ([grants, shuffled], cost) => {
          expect(burnDown(shuffled, cost, NOW)).toEqual(burnDown(grants, cost, NOW));
        },
      ),
      { numRuns: 500 },
    );
  });
});

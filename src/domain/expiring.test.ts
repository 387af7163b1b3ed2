import { describe, expect, it } from 'vitest';
import { expiringInPeriod } from './expiring.ts';
import type { Grant } from './grants.ts';

const now = new Date('2026-11-25T12:00:00Z');
const period = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') };

function grant(id: string, expiresAt: string | null, changes: Partial<Grant> = {}): Grant {
  return {
    id,
    workspaceId: 'w',
    source: 'purchase',
    amount: 5000,
    remaining: 5000,
    priority: 0,
    effectiveAt: new Date('2026-11-01T00:00:00Z'),
    expiresAt: expiresAt === null ? null : new Date(expiresAt),
    createdAt: new Date('2026-11-01T00:00:00Z'),
    reason: `grant ${id}`,
    ...changes,
  };
}

describe('credits expiring this period', () => {
  it('lists live credits lost before the period ends, soonest first, the period allocation included', () => {
    const expiring = expiringInPeriod(
      [
        grant('plan', '2026-12-01T00:00:00Z', { source: 'subscription', remaining: 1200 }),
        grant('pack', '2026-11-28T00:00:00Z'),
        grant('forever', null),
        grant('next-year', '2027-11-01T00:00:00Z'),
      ],
      period,
      now,
    );
    expect(expiring.map((e) => [e.grantId, e.remaining])).toEqual([
      ['pack', 5000],
      ['plan', 1200],
    ]);
  });

  it('leaves out spent, expired and not yet effective grants', () => {
    const expiring = expiringInPeriod(
      [
        grant('spent', '2026-11-28T00:00:00Z', { remaining: 0 }),
        grant('gone', '2026-11-25T12:00:00Z'),
        grant('later', '2026-11-30T00:00:00Z', { effectiveAt: new Date('2026-11-26T00:00:00Z') }),
      ],
      period,
      now,
    );
    expect(expiring).toEqual([]);
  });
});

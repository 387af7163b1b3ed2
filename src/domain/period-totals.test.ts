import { describe, expect, it } from 'vitest';
import { grantedInPeriod, totalsAfter, usedInPeriod } from './period-totals.ts';

// A period anchored mid-day: it starts on the 15th at 10:00 and ends on the 15th of the next month at 10:00.
const period = { start: new Date('2026-11-15T10:00:00Z'), end: new Date('2026-12-15T10:00:00Z') };
const grant = (amount: number, effectiveAt: string) => ({ amount, effectiveAt: new Date(effectiveAt) });

describe('credits granted and used this period', () => {
  it('counts a grant from the instant the period starts up to, not including, the instant it ends', () => {
    expect(
      grantedInPeriod(
        [
          grant(1, '2026-11-15T09:59:59.999Z'),
          grant(10, '2026-11-15T10:00:00Z'),
          grant(100, '2026-12-15T09:59:59.999Z'),
          grant(1000, '2026-12-15T10:00:00Z'),
        ],
        period,
      ),
    ).toBe(110);
  });

  it('counts usage by whole UTC days: the day the period starts on, not the day it ends on', () => {
    const days = [
      { day: '2026-11-14', creditsUsed: 1 },
      { day: '2026-11-15', creditsUsed: 10 },
      { day: '2026-12-14', creditsUsed: 100 },
      { day: '2026-12-15', creditsUsed: 1000 },
    ];
    expect(usedInPeriod(days, period)).toBe(110);
  });

  it("adds a transaction's own grants and usage in the period, a refund's negative usage included", () => {
    const before = { period, granted: 20_000, used: 4_000 };
    const after = totalsAfter(before, {
      grantsAdded: [grant(10_000, '2026-11-20T00:00:00Z'), grant(5_000, '2026-12-15T10:00:00Z')],
      usage: [
        { at: new Date('2026-11-20T23:59:59Z'), creditsUsed: 6_000 },
        { at: new Date('2026-11-15T02:00:00Z'), creditsUsed: -1_000 },
        { at: new Date('2026-11-14T23:00:00Z'), creditsUsed: -500 },
      ],
    });
    expect(after).toEqual({ period, granted: 30_000, used: 9_000 });
  });
});

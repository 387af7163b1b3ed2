import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcDay } from './days.ts';
import { periodAt, periodsStartedBetween } from './periods.ts';

const d = (iso: string) => new Date(iso);
const iso = (period: { start: Date; end: Date }) => [period.start.toISOString(), period.end.toISOString()];
/** The period of `anchor` that `at` falls in, as its start and end instants. */
const periodOf = (anchor: Date, at: string) => iso(periodAt(anchor, d(at)));

describe('the monthly period a subscription is in', () => {
  it('runs from the anchor day of one month to the same day of the next', () => {
    const anchor = d('2026-01-15T00:00:00Z');
    expect(periodOf(anchor, '2026-03-20T08:00:00Z')).toEqual(['2026-03-15T00:00:00.000Z', '2026-04-15T00:00:00.000Z']);
  });

  it('starts a new period at the anchor instant exactly, not a millisecond later', () => {
    const anchor = d('2026-01-15T00:00:00Z');
    expect(periodAt(anchor, d('2026-04-15T00:00:00.000Z')).start.toISOString()).toBe('2026-04-15T00:00:00.000Z');
    expect(periodAt(anchor, d('2026-04-14T23:59:59.999Z')).start.toISOString()).toBe('2026-03-15T00:00:00.000Z');
  });

  it('keeps the anchor time of day', () => {
    const anchor = d('2026-01-15T09:30:00Z');
    expect(periodOf(anchor, '2026-02-15T09:29:59Z')).toEqual(['2026-01-15T09:30:00.000Z', '2026-02-15T09:30:00.000Z']);
  });

  it('moves an anchor on the 31st to the last day of shorter months and back to the 31st after', () => {
    const anchor = d('2026-01-31T00:00:00Z');
    expect(periodOf(anchor, '2026-02-10T00:00:00Z')).toEqual(['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z']);
    expect(periodOf(anchor, '2026-03-10T00:00:00Z')).toEqual(['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
    expect(periodOf(anchor, '2026-04-30T12:00:00Z')).toEqual(['2026-04-30T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
  });

  it('uses February 29th in a leap year', () => {
    const anchor = d('2027-12-31T00:00:00Z');
    expect(periodAt(anchor, d('2028-03-01T00:00:00Z')).start.toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('crosses a year end', () => {
    const anchor = d('2026-01-20T00:00:00Z');
    expect(periodOf(anchor, '2027-01-05T00:00:00Z')).toEqual(['2026-12-20T00:00:00.000Z', '2027-01-20T00:00:00.000Z']);
  });

  it('always contains the instant asked about, for any anchor and instant (property)', () => {
    const instant = fc.date({ min: d('2000-01-01T00:00:00Z'), max: d('2100-01-01T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instant, instant, (anchor, now) => {
        const period = periodAt(anchor, now);
        expect(period.start.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(period.end.getTime()).toBeGreaterThan(now.getTime());
        // The next period starts where this one ends.
        expect(periodAt(anchor, period.end).start.getTime()).toBe(period.end.getTime());
        const days = (period.end.getTime() - period.start.getTime()) / 86_400_000;
        expect(days).toBeGreaterThanOrEqual(28);
        expect(days).toBeLessThanOrEqual(31);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('catching up on periods that started while nobody looked', () => {
  const anchor = d('2026-01-31T00:00:00Z');

  it('lists every period that started after the last renewal and by now, oldest first', () => {
    const started = periodsStartedBetween(anchor, d('2026-01-31T00:00:00Z'), d('2026-05-01T00:00:00Z'));
    expect(started.map((p) => p.start.toISOString())).toEqual([
      '2026-02-28T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-04-30T00:00:00.000Z',
    ]);
  });

  it('includes a period starting exactly now and excludes one starting exactly at the last renewal', () => {
    const started = periodsStartedBetween(anchor, d('2026-02-28T00:00:00Z'), d('2026-03-31T00:00:00Z'));
    expect(started.map((p) => p.start.toISOString())).toEqual(['2026-03-31T00:00:00.000Z']);
  });

  it('lists nothing when no period started in between', () => {
    expect(periodsStartedBetween(anchor, d('2026-02-28T00:00:00Z'), d('2026-03-30T23:59:59Z'))).toEqual([]);
    expect(periodsStartedBetween(anchor, d('2026-03-05T00:00:00Z'), d('2026-03-05T00:00:00Z'))).toEqual([]);
  });

  it('renews each period once when catch-ups are split at any points (property)', () => {
    const start = d('2026-01-01T00:00:00Z').getTime();
    const year = 365 * 86_400_000;
    fc.assert(
      fc.property(
        fc.integer({ min: start - year, max: start + year }),
        fc.uniqueArray(fc.integer({ min: start, max: start + 3 * year }), { minLength: 2, maxLength: 8 }),
        (anchorMs, cuts) => {
          const points = [...cuts].sort((a, b) => a - b).map((ms) => new Date(ms));
          const anchorAt = new Date(anchorMs);
          const whole = periodsStartedBetween(anchorAt, points[0] ?? anchorAt, points.at(-1) ?? anchorAt);
          const pieces = points
            .slice(1)
            .flatMap((now, index) => periodsStartedBetween(anchorAt, points[index] ?? now, now));
          expect(pieces.map(iso)).toEqual(whole.map(iso));
          for (const period of whole) {
            expect(period.start.getTime()).toBeGreaterThan(points[0]?.getTime() ?? 0);
            expect(period.start.getTime()).toBeLessThanOrEqual(points.at(-1)?.getTime() ?? 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the day a rollup is keyed by', () => {
  it('is the UTC calendar day', () => {
    expect(utcDay(d('2026-03-01T23:59:59.999Z'))).toBe('2026-03-01');
    expect(utcDay(d('2026-03-02T00:00:00.000Z'))).toBe('2026-03-02');
  });
});

import { describe, expect, it } from 'vitest';
import { calendarMonth, decideTopUp } from './auto-top-up.ts';

describe('the auto top-up crossing rule', () => {
  const line = 5000;

  it('crosses when an armed balance falls below the threshold', () => {
    expect(decideTopUp({ threshold: line, armed: true }, 6000, 4000)).toEqual({ kind: 'cross' });
  });

  it('does not cross again while the balance stays below', () => {
    expect(decideTopUp({ threshold: line, armed: false }, 4000, 3000)).toEqual({ kind: 'none', armed: false });
  });

  it('arms at or above the threshold, exactly at it too', () => {
    expect(decideTopUp({ threshold: line, armed: false }, 3000, 5000)).toEqual({ kind: 'none', armed: true });
  });

  it('crosses when the transaction began at or above the threshold, even if never re-armed (a hold lapsed)', () => {
    expect(decideTopUp({ threshold: line, armed: false }, 5000, 4999)).toEqual({ kind: 'cross' });
  });

  it('counts calendar months in UTC', () => {
    expect(calendarMonth(new Date('2026-12-31T23:59:59Z'))).toEqual({
      start: new Date('2026-12-01T00:00:00Z'),
      end: new Date('2027-01-01T00:00:00Z'),
    });
  });
});

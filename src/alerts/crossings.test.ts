import { describe, expect, it } from 'vitest';
import { creditState, crossingEvents } from './crossings.ts';

describe('credit states', () => {
  it('is low at or under the line, depleted at zero or less, ok above', () => {
    expect(creditState(10_001, 10_000)).toBe('ok');
    expect(creditState(10_000, 10_000)).toBe('low');
    expect(creditState(1, 10_000)).toBe('low');
    expect(creditState(0, 10_000)).toBe('depleted');
    expect(creditState(-500, 10_000)).toBe('depleted');
    expect(creditState(0, 0)).toBe('depleted');
  });
});

describe('crossing events', () => {
  it('announces each line crossed on the way down, in order', () => {
    expect(crossingEvents('ok', 'low', true)).toEqual(['credits.low']);
    expect(crossingEvents('low', 'depleted', true)).toEqual(['credits.depleted']);
    expect(crossingEvents('ok', 'depleted', true)).toEqual(['credits.low', 'credits.depleted']);
  });

  it('announces a recovery only from a state that was announced', () => {
    expect(crossingEvents('low', 'ok', true)).toEqual(['credits.recovered']);
    expect(crossingEvents('depleted', 'ok', true)).toEqual(['credits.recovered']);
    expect(crossingEvents('depleted', 'ok', false)).toEqual([]);
  });

  it('says nothing when the state stays, or climbs from depleted to still low', () => {
    expect(crossingEvents('low', 'low', true)).toEqual([]);
    expect(crossingEvents('depleted', 'low', true)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { isDay } from './days.ts';

describe('a calendar day', () => {
  it('is a real YYYY-MM-DD date', () => {
    expect(isDay('2026-11-25')).toBe(true);
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('0000-01-01')).toBe(true);
  });

  it('is not a date that rolls over into another one', () => {
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2026-11-31')).toBe(false);
  });

  it('is not a month or day out of range, and says so instead of throwing', () => {
    for (const value of ['2026-13-01', '2026-00-10', '2026-11-32', '2026-99-99']) {
      expect(() => isDay(value), value).not.toThrow();
      expect(isDay(value), value).toBe(false);
    }
  });

  it('is not anything else', () => {
    for (const value of ['', '2026-11-25T00:00:00Z', '26-11-25', '2026-1-25', ' 2026-11-25', '+275760-09-13']) {
      expect(isDay(value), value).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, retryDelayMs } from './retry-schedule.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the retry schedule', () => {
  it('doubles from one minute and levels off at two hours', () => {
    const waits = Array.from({ length: 10 }, (_, i) => retryDelayMs(i + 1, 0.5));
    expect(waits.slice(0, 8)).toEqual([1, 2, 4, 8, 16, 32, 64, 120].map((m) => m * MINUTE));
    expect(waits[9]).toBe(2 * HOUR);
  });

  it('spans about a day of attempts before giving up', () => {
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, 0.5)).reduce((a, b) => a + b);
    expect(total).toBeGreaterThanOrEqual(23 * HOUR);
    expect(total).toBeLessThanOrEqual(26 * HOUR);
  });

  it('retries within the next hour when the receiver was down for one', () => {
    // Even with the latest jitter, some attempt lands in [60 min, 120 min).
    let at = 0;
    const times: number[] = [];
    for (let failure = 1; failure < MAX_ATTEMPTS; failure += 1) {
      at += retryDelayMs(failure, 0.999);
      times.push(at);
    }
    expect(times.some((t) => t >= HOUR && t < 2 * HOUR)).toBe(true);
  });

  it('spreads retries by ±20% so deliveries that failed together do not retry together', () => {
    expect(retryDelayMs(3, 0)).toBe(0.8 * 4 * MINUTE);
    expect(retryDelayMs(3, 0.999_999)).toBeCloseTo(1.2 * 4 * MINUTE, -1);
  });
});

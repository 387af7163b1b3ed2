import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { creditsToMillicredits, MAX_MILLICREDITS, MILLICREDITS_PER_CREDIT, millicreditsToCredits } from './amounts.ts';
import { TallyError } from './errors.ts';

function refusalOf(run: () => unknown): TallyError {
  try {
    run();
  } catch (error) {
    if (error instanceof TallyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('converting decimal credits to millicredits', () => {
  it('is exact for whole credits, halves and thousandths', () => {
    expect(creditsToMillicredits(1)).toBe(1000);
    expect(creditsToMillicredits(1.5)).toBe(1500);
    expect(creditsToMillicredits(0.125)).toBe(125);
    expect(creditsToMillicredits(0.001)).toBe(1);
    expect(creditsToMillicredits(0)).toBe(0);
  });

  it('accepts three decimals that binary floating point cannot hold exactly', () => {
    // 1.005 * 1000 is 1004.9999999999999 in floating point; it still means 1005 millicredits.
    expect(creditsToMillicredits(1.005)).toBe(1005);
    expect(creditsToMillicredits(2.675)).toBe(2675);
    expect(creditsToMillicredits(123456.789)).toBe(123456789);
  });

  it('refuses NaN and infinities, naming the field', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = refusalOf(() => creditsToMillicredits(bad, 'amount'));
      expect(error.code).toBe('invalid_request');
      expect(error.details).toEqual({ field: 'amount' });
    }
  });

  it('refuses a value that is not a number at all', () => {
    expect(refusalOf(() => creditsToMillicredits('1' as unknown as number)).code).toBe('invalid_request');
  });

  it('refuses more than three decimals instead of rounding them away', () => {
    for (const bad of [0.0005, 1.0001, 0.1234, 2.0000001]) {
      expect(refusalOf(() => creditsToMillicredits(bad)).code).toBe('invalid_request');
    }
  });

  it('refuses a fourth decimal on large amounts too', () => {
    for (const bad of [1000.0001, 12345.6789, 9_999_999.9999, 1_000_000_000.0005]) {
      expect(refusalOf(() => creditsToMillicredits(bad)).code).toBe('invalid_request');
    }
  });

  it('refuses amounts too large to add up safely, in either direction', () => {
    const max = MAX_MILLICREDITS / MILLICREDITS_PER_CREDIT;
    expect(creditsToMillicredits(max)).toBe(MAX_MILLICREDITS);
    expect(refusalOf(() => creditsToMillicredits(max + 1)).code).toBe('invalid_request');
    expect(refusalOf(() => creditsToMillicredits(-(max + 1))).code).toBe('invalid_request');
    expect(refusalOf(() => creditsToMillicredits(1e300)).code).toBe('invalid_request');
    expect(Number.isSafeInteger(MAX_MILLICREDITS * 100)).toBe(true);
  });

  it('round-trips every thousandth back to the same decimal for display', () => {
    for (const millicredits of [0, 1, 7, 125, 999, 1000, 1500, 123456789]) {
      expect(creditsToMillicredits(millicreditsToCredits(millicredits))).toBe(millicredits);
    }
    expect(millicreditsToCredits(1500)).toBe(1.5);
  });

  it('converts every amount with up to three decimals exactly, and refuses every fourth decimal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX_MILLICREDITS, max: MAX_MILLICREDITS }),
        fc.integer({ min: 1, max: 9 }),
        (millicredits, tenth) => {
          expect(creditsToMillicredits(millicredits / 1000)).toBe(millicredits);
          const withFourthDecimal = (millicredits * 10 + (millicredits < 0 ? -tenth : tenth)) / 10_000;
          expect(() => creditsToMillicredits(withFourthDecimal)).toThrow(TallyError);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

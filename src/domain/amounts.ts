import { TallyError } from './errors.ts';

/** Integer thousandths of a credit. No floating point ever touches a balance. */
export type Millicredits = number;

export const MILLICREDITS_PER_CREDIT = 1000;

/** The largest amount one request may name: ten billion credits keeps every sum a safe integer. */
export const MAX_MILLICREDITS = 10_000_000_000 * MILLICREDITS_PER_CREDIT;

/**
 * Converts a decimal credit amount from the API edge into millicredits.
 * Refuses NaN, infinities, more than three decimals and amounts too large to add safely.
 */
export function creditsToMillicredits(credits: number, field = 'amount'): Millicredits {
  if (typeof credits !== 'number' || !Number.isFinite(credits)) {
    throw new TallyError('invalid_request', `${field} must be a finite number of credits.`, { field });
  }
  const scaled = Math.round(credits * MILLICREDITS_PER_CREDIT);
  // Tolerate only floating-point noise (1.005 * 1000 is 1004.9999999999999): a few units in the last
  // place. A looser, relative tolerance would round a real fourth decimal away on large amounts.
  if (Math.abs(scaled - credits * MILLICREDITS_PER_CREDIT) > 4 * Number.EPSILON * Math.max(1, Math.abs(scaled))) {
    throw new TallyError('invalid_request', `${field} has more than 3 decimals; credits are counted in thousandths.`, {
      field,
    });
  }
  if (Math.abs(scaled) > MAX_MILLICREDITS) {
    throw new TallyError(
      'invalid_request',
      `${field} is larger than ${MAX_MILLICREDITS / MILLICREDITS_PER_CREDIT} credits.`,
      {
        field,
      },
    );
  }
  return scaled;
}

/** Converts millicredits to decimal credits for display; exact because the input is an integer. */
export function millicreditsToCredits(amount: Millicredits): number {
  return amount / MILLICREDITS_PER_CREDIT;
}

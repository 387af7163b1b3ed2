/** How many times one event is POSTed to one subscription before it is marked failed. */
export const MAX_ATTEMPTS = 19;

const FIRST_RETRY_MS = 60_000;
const LONGEST_WAIT_MS = 2 * 3600_000;

/**
 * The wait after the `failures`-th failed attempt: 1, 2, 4 … 64 minutes, then every 2 hours, so the
 * 19 attempts span about 24 hours and a receiver that is down for an hour gets everything within
 * the next hour. ±20% jitter (`random` in [0, 1)) keeps a fleet of deliveries that failed together
 * from all retrying at the same instant when the receiver comes back.
 */
export function retryDelayMs(failures: number, random: number): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), LONGEST_WAIT_MS);
  return Math.round(base * (0.8 + 0.4 * random));
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed';

/**
 * What the `number`-th attempt of a delivery (webhook or e-mail) comes to, and the fields its row
 * takes: delivered, failed for good at `maxAttempts`, or due again after the backoff.
 */
export function settleAttempt(
  error: string | null,
  number: number,
  maxAttempts: number,
  now: Date,
  random: number,
): {
  outcome: AttemptOutcome;
  fields: { status?: 'delivered' | 'failed'; delivered_at?: number; next_attempt_at?: number };
} {
  if (error === null) return { outcome: 'delivered', fields: { status: 'delivered', delivered_at: now.getTime() } };
  if (number >= maxAttempts) return { outcome: 'failed', fields: { status: 'failed' } };
  return { outcome: 'retrying', fields: { next_attempt_at: now.getTime() + retryDelayMs(number, random) } };
}

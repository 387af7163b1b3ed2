import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../store/schema.ts';

export interface SignInLimit {
  /** Attempts allowed per email and address in one window. */
  attempts: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMIT: SignInLimit = { attempts: 10, windowMs: 15 * 60_000 };

/** The counter's key: hashed, so the table holds no email addresses or IPs. */
function attemptKey(email: string, address: string): string {
  return createHash('sha256').update(`${email}\n${address}`).digest('hex');
}

/**
 * Counts an attempt before the password is checked, in one statement, so parallel guesses cannot
 * slip past the limit and several Tally processes share one count. Returns how long to wait when
 * this attempt is over the limit, else null.
 */
export async function countSignInAttempt(
  db: Db,
  limit: SignInLimit,
  email: string,
  address: string,
  now: Date,
): Promise<{ retryAfterMs: number } | null> {
  const at = now.getTime();
  const windowOpen = at - limit.windowMs;
  const row = await db
    .insertInto('sign_in_attempts')
    .values({ key: attemptKey(email, address), window_start: at, attempts: 1 })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        attempts: sql`case when sign_in_attempts.window_start <= ${windowOpen} then 1 else sign_in_attempts.attempts + 1 end`,
        window_start: sql`case when sign_in_attempts.window_start <= ${windowOpen} then ${at} else sign_in_attempts.window_start end`,
      }),
    )
    .returning(['attempts', 'window_start'])
    .executeTakeFirstOrThrow();
  if (Number(row.attempts) <= limit.attempts) return null;
  return { retryAfterMs: Math.max(1000, Number(row.window_start) + limit.windowMs - at) };
}

/** A successful sign-in starts the count afresh; stale counters of anyone are dropped on the way. */
export async function clearSignInAttempts(
  db: Db,
  limit: SignInLimit,
  email: string,
  address: string,
  now: Date,
): Promise<void> {
  await db
    .deleteFrom('sign_in_attempts')
    .where((eb) =>
      eb.or([eb('key', '=', attemptKey(email, address)), eb('window_start', '<=', now.getTime() - limit.windowMs)]),
    )
    .execute();
}

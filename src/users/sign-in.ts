import { TallyError } from '../domain/errors.ts';
import type { UsersContext } from './context.ts';
import { verifyAgainstDecoy, verifyPassword } from './passwords.ts';
import { createSession, dropExpiredSessions, findSession, type Session } from './sessions.ts';
import { clearSignInAttempts, countSignInAttempt } from './sign-in-limiter.ts';
import { findUserByEmail, normalizeEmail } from './users.ts';

export interface SignedIn {
  /** For the cookie only; never shown to the page's scripts. */
  token: string;
  session: Session;
}

export interface SignInInput {
  email: string;
  password: string;
  /** The client's address: attempts are counted per email and address. */
  address: string;
}

/**
 * Checks the password and opens a dashboard session. A wrong email and a wrong password get the
 * same answer in the same time; more than the limit of attempts per email and address is a 429.
 */
export async function signIn({ ctx, input }: { ctx: UsersContext; input: SignInInput }): Promise<SignedIn> {
  const now = ctx.clock();
  const { db } = ctx.store;
  const email = normalizeEmail(input.email);
  const limited = await countSignInAttempt(db, ctx.signInLimit, email, input.address, now);
  if (limited) {
    const seconds = Math.ceil(limited.retryAfterMs / 1000);
    throw new TallyError(
      'rate_limited',
      `Too many sign-in attempts for this email. Try again in ${Math.ceil(seconds / 60)} minutes.`,
      { retryAfterSeconds: seconds },
    );
  }
  const user = await findUserByEmail(db, email);
  const valid = user
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDecoy(input.password);
  if (!user || !valid) throw new TallyError('unauthorized', 'The email or password is not right.');

  await clearSignInAttempts(db, ctx.signInLimit, email, input.address, now);
  await dropExpiredSessions(db, now);
  // Password users keep the full rights they had before roles existed.
  const { token } = await createSession(
    db,
    ctx.sessionLimits,
    { workspaceId: user.workspaceId, userId: user.id, role: 'admin', returnUrl: null },
    now,
  );
  const session = await findSession({ ctx, input: { token } });
  if (!session) throw new Error('A session just created could not be read back.');
  return { token, session };
}

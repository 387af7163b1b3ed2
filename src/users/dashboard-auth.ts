import type { Clock } from '../domain/clock.ts';
import { TallyError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import {
  dropExpiredDashboardLinks,
  issueDashboardLink,
  type NewDashboardLink,
  openDashboardLink,
} from './dashboard-links.ts';
import { verifyAgainstDecoy, verifyPassword } from './passwords.ts';
import {
  createSession,
  DEFAULT_SESSION_LIMITS,
  destroySession,
  dropExpiredSessions,
  findSession,
  type Session,
  type SessionLimits,
} from './sessions.ts';
import { clearSignInAttempts, countSignInAttempt, DEFAULT_SIGN_IN_LIMIT, type SignInLimit } from './sign-in-limiter.ts';
import { findUserByEmail, normalizeEmail } from './users.ts';

export interface SignedIn {
  /** For the cookie only; never shown to the page's scripts. */
  token: string;
  session: Session;
}

export interface DashboardAuthOptions {
  sessions?: SessionLimits;
  signInLimit?: SignInLimit;
}

/** Sign-in, the current session, and sign-out for the dashboard: the service the session routes call. */
export class DashboardAuth {
  readonly limits: SessionLimits;
  private readonly signInLimit: SignInLimit;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: DashboardAuthOptions = {},
  ) {
    this.limits = options.sessions ?? DEFAULT_SESSION_LIMITS;
    this.signInLimit = options.signInLimit ?? DEFAULT_SIGN_IN_LIMIT;
  }

  /**
   * Checks the password and opens a session. A wrong email and a wrong password get the same
   * answer in the same time; more than the limit of attempts per email and address is a 429.
   */
  async signIn(emailInput: string, password: string, address: string): Promise<SignedIn> {
    const now = this.clock();
    const email = normalizeEmail(emailInput);
    const limited = await countSignInAttempt(this.store, this.signInLimit, email, address, now);
    if (limited) {
      const seconds = Math.ceil(limited.retryAfterMs / 1000);
      throw new TallyError(
        'rate_limited',
        `Too many sign-in attempts for this email. Try again in ${Math.ceil(seconds / 60)} minutes.`,
        { retryAfterSeconds: seconds },
      );
    }
    const user = await findUserByEmail(this.store, email);
    const valid = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
    if (!user || !valid) throw new TallyError('unauthorized', 'The email or password is not right.');

    await clearSignInAttempts(this.store, this.signInLimit, email, address, now);
    await dropExpiredSessions(this.store, now);
    // Password users keep the full rights they had before roles existed.
    const { token } = await createSession(
      this.store.db,
      this.limits,
      { workspaceId: user.workspaceId, userId: user.id, role: 'admin', returnUrl: null },
      now,
    );
    const session = await findSession(this.store, this.limits, token, now);
    if (!session) throw new Error('A session just created could not be read back.');
    return { token, session };
  }

  /** The live session behind a cookie's token, or null. */
  current(token: string): Promise<Session | null> {
    return findSession(this.store, this.limits, token, this.clock());
  }

  /** A one-time link for a host platform to sign its user in (src/users/dashboard-links.ts). */
  async issueLink(input: NewDashboardLink): Promise<{ token: string; expiresAt: Date }> {
    const now = this.clock();
    await dropExpiredDashboardLinks(this.store, now);
    return issueDashboardLink(this.store, input, now);
  }

  openLink(workspaceId: string, token: string) {
    return openDashboardLink(this.store, this.limits, workspaceId, token, this.clock());
  }

  signOut(token: string): Promise<void> {
    return destroySession(this.store, token);
  }
}

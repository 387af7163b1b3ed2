import type { Context } from '../ledger/context.ts';
import type { SessionLimits } from './sessions.ts';
import type { SignInLimit } from './sign-in-limiter.ts';

/** What the verbs that open or find a dashboard session run on: the store and clock, and how long a session lives. */
export interface SessionsContext extends Context {
  readonly sessionLimits: SessionLimits;
}

/** What signing in runs on: a session's limits and the sign-in limit. */
export interface UsersContext extends SessionsContext {
  readonly signInLimit: SignInLimit;
}

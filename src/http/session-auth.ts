import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TallyError } from '../domain/errors.ts';
import type { SessionsContext } from '../users/context.ts';
import { findSession, type Session } from '../users/sessions.ts';
import type { Authenticator } from './auth.ts';

export const SESSION_COOKIE = 'tally_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the caller is a signed-in dashboard rather than an API key. */
    dashboardSession: { session: Session; token: string } | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What decides the session cookie's attributes. */
export interface CookiePolicy {
  /** An https public URL makes the cookie Secure even behind a proxy that speaks plain HTTP to Tally. */
  publicUrl: string | null;
  /** TALLY_EMBED_ORIGINS: pages that may frame the dashboard. */
  embedOrigins: readonly string[];
}

/**
 * `SameSite=Lax` unless the dashboard may be framed by another site and is served over https:
 * then `SameSite=None; Secure`, or the framed page could never send its cookie. CSRF still holds
 * with `None`: writes need the session's X-CSRF-Token header, which another site cannot read or set.
 */
export function sessionCookieOptions(request: FastifyRequest, policy: CookiePolicy) {
  const httpsPublicUrl = policy.publicUrl?.startsWith('https:') === true;
  const framedCrossSite = httpsPublicUrl && policy.embedOrigins.length > 0;
  return {
    path: '/',
    httpOnly: true,
    sameSite: framedCrossSite ? ('none' as const) : ('lax' as const),
    secure: request.protocol === 'https' || httpsPublicUrl,
  };
}

function isSignOut(request: FastifyRequest): boolean {
  return request.method === 'DELETE' && request.url.split('?')[0] === '/v1/session';
}

function sameToken(sent: string, expected: string): boolean {
  const left = Buffer.from(sent);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  const token = request.server.parseCookie(header)[SESSION_COOKIE];
  return token || null;
}

/**
 * A dashboard session cookie stands for its workspace with the `read` scope, and `admin` unless
 * its role is `viewer` (never `ingest`: people do not record usage). Writes must also carry the
 * session's CSRF token in a header, which another site's page cannot read or set; a viewer's
 * writes are refused whatever the route, except signing out.
 */
export function sessionAuthenticator(ctx: SessionsContext): Authenticator {
  return async (request) => {
    // A bearer key decides on its own, and signing in again needs no old session.
    if (request.headers.authorization) return null;
    if (request.method === 'POST' && request.url.split('?')[0] === '/v1/session') return null;
    // An unsubscribe link carries its own signed token and needs no session, CSRF token or role.
    if (request.url.startsWith('/v1/email/unsubscribe/')) return null;
    const token = sessionToken(request);
    if (!token) return null;
    const session = await findSession({ ctx, input: { token } });
    if (!session) return null;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameToken(sent, session.csrfToken)) {
        throw new TallyError(
          'forbidden',
          'Writes from the dashboard need the X-CSRF-Token header given at sign-in (GET /v1/session returns it).',
          { reason: 'csrf_token_missing_or_wrong' },
        );
      }
      if (session.role === 'viewer' && !isSignOut(request)) {
        throw new TallyError('forbidden', 'This dashboard session may only look: it was opened with the viewer role.', {
          reason: 'viewer_session',
        });
      }
    }
    request.dashboardSession = { session, token };
    return {
      kind: 'workspace',
      workspaceId: session.workspaceId,
      scopes: session.role === 'admin' ? ['read', 'admin'] : ['read'],
      keyId: `session:${session.id.slice(0, 12)}`,
    };
  };
}

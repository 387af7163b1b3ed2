import cookie from '@fastify/cookie';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorReply } from '../../contract/common.ts';
import { SessionBody, SessionReply } from '../../contract/session.ts';
import { TallyError } from '../../domain/errors.ts';
import type { UsersContext } from '../../users/context.ts';
import { destroySession, type Session } from '../../users/sessions.ts';
import { signIn } from '../../users/sign-in.ts';
import { iso } from '../convert.ts';
import type { App } from '../server.ts';
import { type CookiePolicy, SESSION_COOKIE, sessionCookieOptions } from '../session-auth.ts';

const sessionReply = (session: Session) => ({
  user: session.userId !== null && session.email !== null ? { id: session.userId, email: session.email } : null,
  workspace: { id: session.workspaceId, name: session.workspaceName },
  role: session.role,
  returnUrl: session.returnUrl,
  csrfToken: session.csrfToken,
  expiresAt: iso(session.expiresAt),
});

function signedInSession(request: FastifyRequest) {
  if (!request.dashboardSession) throw new TallyError('unauthorized', 'Not signed in: POST /v1/session to sign in.');
  return request.dashboardSession;
}

/** Dashboard sign-in, who-am-I and sign-out, with an httpOnly SameSite session cookie. */
export function sessionRoutes(ctx: UsersContext, cookiePolicy: CookiePolicy) {
  return async (app: App) => {
    await app.register(cookie, { hook: false });
    app.decorateRequest('dashboardSession', null);

    const cookieOptions = (request: FastifyRequest) => sessionCookieOptions(request, cookiePolicy);
    const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

    app.post(
      '/v1/session',
      {
        schema: {
          operationId: 'signIn',
          summary: 'Sign in to the dashboard with an email and password',
          description:
            'Sets an httpOnly session cookie and returns the CSRF token to send as X-CSRF-Token on writes. At most 10 attempts per email and address in 15 minutes.',
          tags: ['dashboard'],
          security: [],
          body: SessionBody,
          response: { 200: SessionReply, 401: ErrorReply },
        },
      },
      async (request, reply) => {
        noStore(reply);
        try {
          const signedIn = await signIn({
            ctx,
            input: { email: request.body.email, password: request.body.password, address: request.ip },
          });
          reply.setCookie(SESSION_COOKIE, signedIn.token, {
            ...cookieOptions(request),
            maxAge: Math.floor(ctx.sessionLimits.maxMs / 1000),
          });
          return sessionReply(signedIn.session);
        } catch (error) {
          if (error instanceof TallyError && error.code === 'rate_limited') {
            reply.header('retry-after', String(error.details?.retryAfterSeconds ?? 900));
          }
          throw error;
        }
      },
    );

    app.get(
      '/v1/session',
      {
        schema: {
          operationId: 'getSession',
          summary: 'The signed-in dashboard user, workspace and CSRF token',
          tags: ['dashboard'],
          security: [],
          response: { 200: SessionReply, 401: ErrorReply },
        },
      },
      async (request, reply) => {
        noStore(reply);
        return sessionReply(signedInSession(request).session);
      },
    );

    app.delete(
      '/v1/session',
      {
        schema: {
          operationId: 'signOut',
          summary: 'Sign out of the dashboard',
          tags: ['dashboard'],
          security: [],
          response: { 204: Type.Null(), 401: ErrorReply, 403: ErrorReply },
        },
      },
      async (request, reply) => {
        await destroySession({ ctx, input: { token: signedInSession(request).token } });
        reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
        return reply.code(204).send(null);
      },
    );
  };
}

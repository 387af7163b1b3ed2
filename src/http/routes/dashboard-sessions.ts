import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardSessionBody, DashboardSessionReply } from '../../contract/session.ts';
import { workspaceNotFound } from '../../domain/workspace-exists.ts';
import type { SessionsContext } from '../../users/context.ts';
import { issueDashboardLink, LINK_TTL_SECONDS, openDashboardLink } from '../../users/dashboard-links.ts';
import { guard, requireScope, workspaceOf } from '../auth.ts';
import { iso } from '../convert.ts';
import { pageHeaders } from '../page-headers.ts';
import type { App } from '../server.ts';
import { type CookiePolicy, SESSION_COOKIE, sessionCookieOptions } from '../session-auth.ts';
import { linkExpiredPage } from './link-expired-page.ts';

const WorkspaceParams = Type.Object({ id: Type.String({ maxLength: 128 }) });
const LinkParams = Type.Object({
  workspaceId: Type.String({ maxLength: 128 }),
  token: Type.String({ maxLength: 128 }),
});
const LINK_PATH = '/v1/dashboard-links';

/** The link's URL holds its token: no cache keeps the answer and no page it leads to is told the URL. */
const unshared = (reply: FastifyReply) =>
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');

const description =
  'Returns a one-time URL (default 5 minutes, at most an hour) that signs the browser opening it into ' +
  "this workspace's dashboard with the role (default viewer: sees everything, changes nothing). " +
  'Open it in the browser or an iframe of a TALLY_EMBED_ORIGINS page; a second open is a 410 page.';

/**
 * The operator for any workspace, or a workspace's own `admin` key for itself; another
 * workspace's id is a 404, as if it did not exist.
 */
const requireOperatorOrOwnAdmin = guard(
  'restricted',
  async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = request.principal;
    if (principal?.kind === 'operator') return;
    const { id } = request.params as { id: string };
    if (principal?.kind === 'workspace' && principal.workspaceId !== id) {
      throw workspaceNotFound(id);
    }
    await requireScope('admin')(request, reply);
  },
);

/** Dashboard sessions a host platform opens for its signed-in users (like billing-portal sessions). */
export function dashboardSessionRoutes(ctx: SessionsContext, cookiePolicy: CookiePolicy) {
  const setPageHeaders = pageHeaders(cookiePolicy.embedOrigins);
  return (app: App) => {
    const issue = async (request: FastifyRequest, workspaceId: string, body: DashboardSessionBody) => {
      const link = await issueDashboardLink({
        ctx,
        input: {
          workspaceId,
          role: body.role ?? 'viewer',
          returnUrl: body.returnUrl ?? null,
          ttlSeconds: body.ttlSeconds ?? LINK_TTL_SECONDS.default,
        },
      });
      const base = cookiePolicy.publicUrl ?? `${request.protocol}://${request.host}`;
      return {
        url: `${base}${LINK_PATH}/${encodeURIComponent(workspaceId)}/${link.token}`,
        expiresAt: iso(link.expiresAt),
      };
    };

    app.post(
      '/v1/workspaces/:id/dashboard-sessions',
      {
        preHandler: requireOperatorOrOwnAdmin,
        schema: {
          operationId: 'createWorkspaceDashboardSession',
          summary: "A one-time link into a workspace's dashboard",
          description: `${description} The operator key, or the workspace's own admin key.`,
          tags: ['dashboard'],
          params: WorkspaceParams,
          body: DashboardSessionBody,
          response: { 201: DashboardSessionReply },
        },
      },
      async (request, reply) => reply.code(201).send(await issue(request, request.params.id, request.body)),
    );

    app.post(
      '/v1/dashboard-sessions',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'createDashboardSession',
          summary: "A one-time link into this key's workspace dashboard",
          description: `${description} A workspace key with the admin scope.`,
          tags: ['dashboard'],
          body: DashboardSessionBody,
          response: { 201: DashboardSessionReply },
        },
      },
      async (request, reply) => reply.code(201).send(await issue(request, workspaceOf(request), request.body)),
    );

    app.get(
      `${LINK_PATH}/:workspaceId/:token`,
      {
        // A page for browsers (a redirect, or the HTML of a spent link), not part of the JSON API:
        // hidden from /openapi.json like the dashboard's own pages; the POST routes document it.
        schema: { hide: true, params: LinkParams },
      },
      async (request, reply) => {
        const opened = await openDashboardLink({
          ctx,
          input: { workspaceId: request.params.workspaceId, token: request.params.token },
        });
        if (!opened.opened) {
          setPageHeaders(reply);
          return unshared(reply).code(410).type('text/html; charset=utf-8').send(linkExpiredPage(opened.returnUrl));
        }
        reply.setCookie(SESSION_COOKIE, opened.sessionToken, {
          ...sessionCookieOptions(request, cookiePolicy),
          maxAge: Math.floor(ctx.sessionLimits.maxMs / 1000),
        });
        return unshared(reply).code(303).header('location', '/').send(null);
      },
    );
  };
}

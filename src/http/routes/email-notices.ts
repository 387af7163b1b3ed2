import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AlertsContext } from '../../alerts/context.ts';
import { getEmailNotices, type NoticeSetting, setEmailNotices } from '../../alerts/email-notices.ts';
import { readUnsubscribeToken } from '../../alerts/unsubscribe-links.ts';
import { EmailNoticesBody, EmailNoticesReply } from '../../contract/alert-levels.ts';
import { TallyError } from '../../domain/errors.ts';
import { requireScope } from '../auth.ts';
import { pageHeaders } from '../page-headers.ts';
import type { App } from '../server.ts';
import { invalidUnsubscribeLinkPage, unsubscribeConfirmPage, unsubscribedPage } from './unsubscribe-page.ts';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 512 }) });

/** The signed-in person: their notices are theirs to turn on or off, whatever their role. */
function signedInUser(request: FastifyRequest) {
  const session = request.dashboardSession?.session;
  if (!session?.userId) {
    throw new TallyError('forbidden', 'Only a person signed in to the dashboard with a password has e-mail notices.', {
      reason: 'not_a_dashboard_user',
    });
  }
  return { workspaceId: session.workspaceId, userId: session.userId };
}

function noticesReply(setting: NoticeSetting | null): EmailNoticesReply {
  if (!setting) throw new TallyError('not_found', 'This dashboard user no longer exists.');
  return { email: setting.email, enabled: setting.enabled };
}

/** A signed-in user's own e-mail notices, and the unsubscribe link in every mail, which needs no sign-in. */
export function emailNoticeRoutes(ctx: AlertsContext, embedOrigins: readonly string[]) {
  const setPageHeaders = pageHeaders(embedOrigins);
  const html = (reply: FastifyReply, status: number, body: string) => {
    setPageHeaders(reply);
    // The URL holds the token: no page it leads to is told it.
    return reply.code(status).header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8').send(body);
  };
  return async (app: App) => {
    app.get(
      '/v1/alerts/email',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getEmailNotices',
          summary: "Whether the signed-in dashboard user gets the workspace's e-mail notices",
          tags: ['dashboard'],
          response: { 200: EmailNoticesReply },
        },
      },
      async (request) => noticesReply(await getEmailNotices({ ctx, input: signedInUser(request) })),
    );

    app.put(
      '/v1/alerts/email',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'setEmailNotices',
          summary: "Turn the signed-in dashboard user's e-mail notices on or off",
          description:
            'Notices: credits.low, credits.depleted, usage.level_reached, limit.reached and auto_top_up.* events, to every dashboard user of the workspace who has them on (the default). Also undoes an unsubscribe link.',
          tags: ['dashboard'],
          body: EmailNoticesBody,
          response: { 200: EmailNoticesReply },
        },
      },
      async (request) =>
        noticesReply(
          await setEmailNotices({ ctx, input: { ...signedInUser(request), enabled: request.body.enabled } }),
        ),
    );

    // Pages for people and mail clients, not the JSON API: hidden from /openapi.json like the dashboard.
    await app.register(async (scope) => {
      const pages = scope.withTypeProvider<TypeBoxTypeProvider>();
      // RFC 8058's one-click POST carries `List-Unsubscribe=One-Click` as a form; the token in the path is all that counts.
      pages.addContentTypeParser(
        ['application/x-www-form-urlencoded', 'multipart/form-data'],
        { parseAs: 'string' },
        (_request, _body, done) => done(null, null),
      );
      pages.get(
        '/v1/email/unsubscribe/:token',
        { schema: { hide: true, params: TokenParams } },
        async (request, reply) => {
          const recipient = readUnsubscribeToken(ctx.secretKey, request.params.token);
          const setting = recipient && (await getEmailNotices({ ctx, input: recipient }));
          return setting
            ? html(reply, 200, unsubscribeConfirmPage(setting))
            : html(reply, 400, invalidUnsubscribeLinkPage());
        },
      );
      pages.post(
        '/v1/email/unsubscribe/:token',
        { schema: { hide: true, params: TokenParams } },
        async (request, reply) => {
          const recipient = readUnsubscribeToken(ctx.secretKey, request.params.token);
          const setting = recipient && (await setEmailNotices({ ctx, input: { ...recipient, enabled: false } }));
          return setting ? html(reply, 200, unsubscribedPage(setting)) : html(reply, 400, invalidUnsubscribeLinkPage());
        },
      );
    });
  };
}

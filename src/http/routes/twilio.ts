import { Type } from '@sinclair/typebox';
import { TwilioCardReply, TwilioConnectBody } from '../../contract/twilio.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import type { App } from '../server.ts';

/** What these routes need from the Twilio component in the context (src/twilio/twilio-service.ts). */
export interface TwilioAccounts {
  card(input: { workspaceId: string }): Promise<TwilioCardReply>;
  connect(input: { workspaceId: string; credentials: unknown }): Promise<TwilioCardReply>;
  disconnect(input: { workspaceId: string }): Promise<void>;
}

/** The workspace's own Twilio account: the dashboard card, and connecting or disconnecting it. */
export function twilioRoutes(ctx: { readonly twilio: TwilioAccounts }) {
  const { twilio } = ctx;
  return (app: App) => {
    app.get(
      '/v1/twilio',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getTwilioCard',
          summary: "The Twilio card: the account's balance and its last 30 days of spend",
          description:
            'Always 200, connected or not. A Twilio outage never fails this call: the last known figures come back with stale: true and a problem saying why.',
          tags: ['read'],
          response: { 200: TwilioCardReply },
        },
      },
      async (request) => twilio.card({ workspaceId: workspaceOf(request) }),
    );

    app.put(
      '/v1/twilio',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'connectTwilio',
          summary: 'Connect a Twilio account (verified with Twilio before it is stored)',
          description:
            'Send {accountSid, authToken} or {accountSid, apiKeySid, apiKeySecret}. The secret is stored encrypted and never returned. 400 twilio_credentials_rejected when Twilio refuses them; 503 twilio_unavailable when Twilio cannot be asked; nothing is stored in either case.',
          tags: ['admin'],
          body: TwilioConnectBody,
          response: { 200: TwilioCardReply },
        },
      },
      async (request) => twilio.connect({ workspaceId: workspaceOf(request), credentials: request.body }),
    );

    app.delete(
      '/v1/twilio',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'disconnectTwilio',
          summary: 'Disconnect the Twilio account and forget its credentials',
          tags: ['admin'],
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await twilio.disconnect({ workspaceId: workspaceOf(request) });
        return reply.code(204).send(null);
      },
    );
  };
}

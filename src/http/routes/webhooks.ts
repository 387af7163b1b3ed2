import { Type } from '@sinclair/typebox';
import type { AlertsContext } from '../../alerts/context.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  MAX_DELIVERY_PAGE,
  type Subscription,
} from '../../alerts/subscriptions.ts';
import { DeliveryReply, WebhookBody, WebhookCreatedReply, WebhookReply } from '../../contract/alerts.ts';
import { requireOperator } from '../auth.ts';
import { iso, isoOrNull } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';

const Params = Type.Object({ id: Type.String({ maxLength: 128 }) });

const webhookReply = (subscription: Subscription): WebhookReply => ({
  id: subscription.id,
  url: subscription.url,
  events: subscription.events,
  description: subscription.description,
  createdAt: iso(subscription.createdAt),
});

/** The operator's outgoing webhooks: subscriptions and their delivery log. */
export function webhookRoutes(ctx: AlertsContext) {
  return (app: App) => {
    app.post(
      '/v1/webhooks',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'createWebhook',
          summary: 'Subscribe a URL to events',
          description:
            'Each event is POSTed as JSON with a Tally-Signature header (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the secret>`), retried with backoff for about 24 hours until a 2xx. The secret is shown only in this reply. Idempotent by the Idempotency-Key header.',
          tags: ['operator'],
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }),
          body: WebhookBody,
          response: { 201: WebhookCreatedReply, ...serviceErrors(409) },
        },
      },
      async (request, reply) => {
        const { subscription, secret } = await createWebhook({
          ctx,
          input: {
            url: request.body.url,
            events: request.body.events,
            description: request.body.description,
            idempotencyKey: request.headers['idempotency-key'],
          },
        });
        return reply.code(201).send({ ...webhookReply(subscription), secret });
      },
    );

    app.get(
      '/v1/webhooks',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'listWebhooks',
          summary: 'List webhook subscriptions (never their secrets)',
          tags: ['operator'],
          response: { 200: Type.Object({ webhooks: Type.Array(WebhookReply) }) },
        },
      },
      async () => ({ webhooks: (await listWebhooks({ ctx })).map(webhookReply) }),
    );

    app.get(
      '/v1/webhooks/:id',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'getWebhook',
          summary: 'One webhook subscription',
          tags: ['operator'],
          params: Params,
          response: { 200: WebhookReply },
        },
      },
      async (request) => webhookReply(await getWebhook({ ctx, input: { id: request.params.id } })),
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'deleteWebhook',
          summary: 'Delete a subscription; deliveries still waiting are cancelled',
          tags: ['operator'],
          params: Params,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await deleteWebhook({ ctx, input: { id: request.params.id } });
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'listWebhookDeliveries',
          summary: 'The delivery log: each event sent to this subscription, newest first, with every attempt',
          tags: ['operator'],
          params: Params,
          querystring: Type.Object(
            {
              cursor: Type.Optional(Type.String({ maxLength: 100 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DELIVERY_PAGE, default: 50 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              deliveries: Type.Array(DeliveryReply),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => {
        const page = await listWebhookDeliveries({
          ctx,
          input: { id: request.params.id, cursor: request.query.cursor ?? null, limit: request.query.limit ?? 50 },
        });
        return {
          deliveries: page.deliveries.map((delivery) => ({
            ...delivery,
            nextAttemptAt: isoOrNull(delivery.nextAttemptAt),
            deliveredAt: isoOrNull(delivery.deliveredAt),
            createdAt: iso(delivery.createdAt),
            log: delivery.log.map((attempt) => ({ ...attempt, at: iso(attempt.at) })),
          })),
          nextCursor: page.nextCursor,
        };
      },
    );
  };
}

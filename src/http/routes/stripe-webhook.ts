import { Type } from '@sinclair/typebox';
import type { BillingContext } from '../../billing/context.ts';
import { receiveStripeEvent } from '../../billing/stripe/stripe-webhooks.ts';
import { ErrorReply } from '../../contract/common.ts';
import { TallyError } from '../../domain/errors.ts';
import type { App } from '../server.ts';

/**
 * Stripe's events. No bearer key: the Stripe-Signature header over the raw body is the proof, so
 * this route keeps the body as bytes (its own parser, in its own plugin scope) and never re-encodes it.
 */
export function stripeWebhookRoutes(ctx: BillingContext) {
  return (app: App) =>
    app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.post(
        '/v1/stripe/webhook',
        {
          schema: {
            operationId: 'receiveStripeWebhook',
            summary: "Stripe's webhook endpoint",
            description:
              'Verifies the Stripe-Signature header (HMAC-SHA256 over the timestamp and the raw body), handles each event id once, and grants credits when a payment arrives. 404 when Stripe is not configured.',
            tags: ['billing'],
            security: [],
            headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String()) }),
            response: {
              200: Type.Object({
                received: Type.Boolean(),
                id: Type.String(),
                type: Type.String(),
                duplicate: Type.Boolean(),
                outcome: Type.String(),
              }),
              400: ErrorReply,
              404: ErrorReply,
            },
          },
        },
        async (request) => {
          const { stripe } = ctx;
          if (!stripe) throw new TallyError('not_found', 'Stripe is not configured on this Tally.');
          if (!Buffer.isBuffer(request.body)) throw new TallyError('invalid_request', 'Send the event as the body.');
          const signature = request.headers['stripe-signature'];
          const outcome = await receiveStripeEvent({
            ctx: { ...ctx, stripe },
            input: { rawBody: request.body, signature: typeof signature === 'string' ? signature : undefined },
          });
          return { received: true, ...outcome };
        },
      );
    });
}

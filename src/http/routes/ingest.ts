import { Type } from '@sinclair/typebox';
import {
  CheckBody,
  CheckReply,
  ConversationBody,
  ConversationReply,
  ReservationBody,
  ReservationReply,
} from '../../contract/ledger.ts';
import { checkCredits } from '../../ledger/check-credits.ts';
import type { Context } from '../../ledger/context.ts';
import { recordConversation } from '../../ledger/record-conversation.ts';
import { releaseReservation, reserveCredits } from '../../ledger/reservations.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, parseTime, toCredits } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';

type Hold = Awaited<ReturnType<typeof reserveCredits>>['hold'];

const holdReply = (hold: Hold) => ({
  id: hold.id,
  amount: toCredits(hold.amount),
  expiresAt: iso(hold.expiresAt),
  status: hold.status,
});

/** What the agent runtime asks before and around a response: conversations, checks and holds. */
export function ingestRoutes(ctx: Context) {
  return (app: App) => {
    app.post(
      '/v1/conversations',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'recordConversation',
          summary: 'Record a call or chat',
          description:
            'Counted once, when first seen: 201 the first time, 200 on a repeat. A conversation belongs to its first agent and channel: another is 409 conversation_mismatch.',
          tags: ['ingest'],
          body: ConversationBody,
          response: { 200: ConversationReply, 201: ConversationReply, ...serviceErrors(409) },
        },
      },
      async (request, reply) => {
        const { conversation, created } = await recordConversation({
          ctx,
          input: {
            workspaceId: workspaceOf(request),
            id: request.body.id,
            channel: request.body.channel,
            agentId: request.body.agentId,
            startedAt: parseTime(request.body.startedAt, 'startedAt'),
          },
        });
        return reply.code(created ? 201 : 200).send({
          id: conversation.id,
          channel: conversation.channel,
          agentId: conversation.agentId,
          startedAt: iso(conversation.startedAt),
        });
      },
    );

    app.post(
      '/v1/check',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'checkCredits',
          summary: 'May the workspace pay for a response?',
          description: 'No side effects.',
          tags: ['ingest'],
          body: CheckBody,
          response: { 200: CheckReply },
        },
      },
      async (request) => {
        const result = await checkCredits({ ctx, input: { workspaceId: workspaceOf(request), ...request.body } });
        return {
          allowed: result.allowed,
          cost: toCredits(result.cost),
          available: toCredits(result.available),
          ...(result.reason ? { reason: result.reason } : {}),
        };
      },
    );

    app.post(
      '/v1/reservations',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'createReservation',
          summary: 'Hold credits for responses about to be generated',
          description:
            'Idempotent by the Idempotency-Key header. The hold stops holding at expiresAt by itself; commit it with the response, or release it.',
          tags: ['ingest'],
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }),
          body: ReservationBody,
          response: { 201: ReservationReply, ...serviceErrors(402, 409) },
        },
      },
      async (request, reply) => {
        const { hold } = await reserveCredits({
          ctx,
          input: {
            workspaceId: workspaceOf(request),
            ...request.body,
            idempotencyKey: request.headers['idempotency-key'],
          },
        });
        return reply.code(201).send(holdReply(hold));
      },
    );

    app.post(
      '/v1/reservations/:id/release',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'releaseReservation',
          summary: 'Give held credits back',
          description: 'Releasing twice is fine; a committed reservation cannot be released.',
          tags: ['ingest'],
          params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
          response: { 200: ReservationReply, ...serviceErrors(409) },
        },
      },
      async (request) =>
        holdReply(
          (
            await releaseReservation({
              ctx,
              input: { workspaceId: workspaceOf(request), reservationId: request.params.id },
            })
          ).hold,
        ),
    );
  };
}

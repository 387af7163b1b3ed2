import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  BatchBody,
  BatchReply,
  ChargeReply,
  CommitBody,
  RefundBody,
  RefundReply,
  ResponseBody,
} from '../../contract/ledger.ts';
import { TallyError } from '../../domain/errors.ts';
import { getBalance } from '../../ledger/balance.ts';
import { chargeBatch, type ResponseInput } from '../../ledger/charge-response.ts';
import type { LedgerContext } from '../../ledger/context.ts';
import { refundResponse } from '../../ledger/refund-response.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { parseTime, toCredits } from '../convert.ts';
import { STATUS_BY_CODE } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';

function toInput(workspaceId: string, body: ResponseBody): ResponseInput {
  return {
    workspaceId,
    id: body.id,
    conversationId: body.conversationId,
    channel: body.channel,
    agentId: body.agentId,
    features: body.features,
    occurredAt: parseTime(body.occurredAt, 'occurredAt'),
    reservationId: body.reservationId,
  };
}

/** Recording what agents say: the hot path of every AI response. */
export function responseRoutes(ctx: LedgerContext, metrics: Metrics) {
  const counted = async <T extends { cost: number; replayed: boolean }>(charge: Promise<T>): Promise<T> => {
    try {
      const result = await charge;
      metrics.charges.inc({ outcome: result.replayed ? 'replayed' : 'charged' });
      if (!result.replayed) metrics.creditsCharged.inc(toCredits(result.cost));
      return result;
    } catch (error) {
      if (error instanceof TallyError && error.code === 'insufficient_credits') metrics.insufficientCredits.inc();
      if (error instanceof TallyError && STATUS_BY_CODE[error.code] === 402)
        metrics.charges.inc({ outcome: 'refused' });
      throw error;
    }
  };

  return (app: App) => {
    app.post(
      '/v1/responses',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'chargeResponse',
          summary: 'Charge one AI response',
          description:
            'Idempotent by id: a retry returns the first reply and charges nothing. 402 insufficient_credits when the workspace cannot pay; 409 conversation_mismatch when the conversation belongs to another agent or channel; nothing is recorded then.',
          tags: ['ingest'],
          body: ResponseBody,
          response: { 201: ChargeReply, ...serviceErrors(402, 404, 409) },
        },
      },
      async (request, reply) => {
        const result = await counted(ctx.charges.charge(toInput(workspaceOf(request), request.body)));
        return reply
          .code(201)
          .send({ id: result.id, cost: toCredits(result.cost), balance: { available: toCredits(result.available) } });
      },
    );

    app.post(
      '/v1/responses/batch',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'chargeResponseBatch',
          summary: 'Charge up to 1000 responses at once',
          description:
            'Each item is checked, charged and made idempotent on its own; one refused item does not stop the others.',
          tags: ['ingest'],
          body: BatchBody,
          response: { 200: BatchReply },
        },
      },
      async (request) => {
        const workspaceId = workspaceOf(request);
        type Slot = { index: number; input: ResponseInput } | { index: number; error: TallyError; id: string | null };
        const slots: Slot[] = request.body.responses.map((item, index) => {
          const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : null;
          if (!Value.Check(ResponseBody, item)) {
            const first = Value.Errors(ResponseBody, item).First();
            const field = first?.path.replace(/^\//, '').replaceAll('/', '.') || 'item';
            return {
              index,
              id,
              error: new TallyError(
                'invalid_request',
                `responses[${index}].${field}: ${first?.message ?? 'is invalid'}.`,
                { field },
              ),
            };
          }
          try {
            return { index, input: toInput(workspaceId, item) };
          } catch (error) {
            if (error instanceof TallyError) return { index, id, error };
            throw error;
          }
        });
        const inputs = slots.flatMap((slot) => ('input' in slot ? [slot.input] : []));
        const charged = inputs.length > 0 ? await chargeBatch({ ctx, input: { workspaceId, responses: inputs } }) : [];
        let next = 0;
        let available: number | null = null;
        const results = slots.map((slot) => {
          if ('error' in slot) {
            return {
              id: slot.id,
              status: STATUS_BY_CODE[slot.error.code],
              error: { code: slot.error.code, message: slot.error.message, details: slot.error.details },
            };
          }
          const outcome = charged[next++];
          if (!outcome) throw new Error('batch result count mismatch');
          if (!outcome.ok) {
            if (outcome.error.code === 'insufficient_credits') metrics.insufficientCredits.inc();
            return {
              id: slot.input.id,
              status: STATUS_BY_CODE[outcome.error.code],
              error: { code: outcome.error.code, message: outcome.error.message, details: outcome.error.details },
            };
          }
          metrics.charges.inc({ outcome: outcome.result.replayed ? 'replayed' : 'charged' });
          if (!outcome.result.replayed) {
            metrics.creditsCharged.inc(toCredits(outcome.result.cost));
            available = outcome.result.available;
          }
          return {
            id: outcome.result.id,
            status: outcome.result.replayed ? 200 : 201,
            cost: toCredits(outcome.result.cost),
          };
        });
        const balance = available ?? (await getBalance({ ctx, input: { workspaceId } })).available;
        return { results, balance: { available: toCredits(balance) } };
      },
    );

    app.post(
      '/v1/reservations/:id/commit',
      {
        preHandler: requireScope('ingest'),
        schema: {
          operationId: 'commitReservation',
          summary: 'Charge the response a reservation was made for',
          description: 'Charges at most what was held plus what is free. Idempotent by the response id.',
          tags: ['ingest'],
          params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
          body: CommitBody,
          response: { 201: ChargeReply, ...serviceErrors(402, 409) },
        },
      },
      async (request, reply) => {
        const input = toInput(workspaceOf(request), { ...request.body, reservationId: request.params.id });
        const result = await counted(ctx.charges.charge(input));
        return reply
          .code(201)
          .send({ id: result.id, cost: toCredits(result.cost), balance: { available: toCredits(result.available) } });
      },
    );

    app.post(
      '/v1/responses/:id/refund',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'refundResponse',
          summary: 'Refund a charged response',
          description: 'Its cost goes back to the grants it came from; refunding twice refunds once.',
          tags: ['admin'],
          params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
          body: RefundBody,
          response: { 200: RefundReply },
        },
      },
      async (request) => {
        const result = await refundResponse({
          ctx,
          input: { workspaceId: workspaceOf(request), responseId: request.params.id, reason: request.body.reason },
        });
        return {
          id: result.id,
          refunded: toCredits(result.refunded),
          balance: { available: toCredits(result.available) },
        };
      },
    );
  };
}

import { setThreshold, type ThresholdView, viewThreshold } from '../../alerts/credit-alerts.ts';
import { ThresholdBody, ThresholdReply } from '../../contract/alerts.ts';
import { TallyError } from '../../domain/errors.ts';
import type { LowCreditThreshold } from '../../domain/low-credit.ts';
import type { Context } from '../../ledger/context.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { toCredits, toMillicredits } from '../convert.ts';
import type { App } from '../server.ts';

function thresholdFromBody(body: ThresholdBody): LowCreditThreshold {
  if ((body.percent === undefined) === (body.credits === undefined)) {
    throw new TallyError('invalid_request', 'Send exactly one of percent (e.g. 20) or credits (e.g. 150).', {
      field: 'percent',
    });
  }
  return body.percent !== undefined
    ? { kind: 'share', share: body.percent / 100 }
    : { kind: 'absolute', amount: toMillicredits(body.credits ?? 0, 'credits') };
}

function thresholdReply(view: ThresholdView): ThresholdReply {
  return {
    threshold:
      view.threshold.kind === 'share'
        ? { percent: Math.round(view.threshold.share * 10_000) / 100 }
        : { credits: toCredits(view.threshold.amount) },
    default: view.isDefault,
    line: toCredits(view.line),
    available: toCredits(view.available),
    state: view.state,
  };
}

/** The workspace's low-credit threshold: what `low` on GET /v1/balance and the credits.* webhooks measure against. */
export function alertRoutes(ctx: Context) {
  return (app: App) => {
    app.get(
      '/v1/alerts/threshold',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getAlertThreshold',
          summary: 'The low-credit threshold and where the balance stands against it',
          tags: ['read'],
          response: { 200: ThresholdReply },
        },
      },
      async (request) => thresholdReply(await viewThreshold({ ctx, input: { workspaceId: workspaceOf(request) } })),
    );

    app.put(
      '/v1/alerts/threshold',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'setAlertThreshold',
          summary: 'Set the low-credit threshold',
          description:
            "A share of the period's allocation (`percent`) or a fixed number of `credits`. If the new threshold puts the balance on the other side of the line, the crossing is announced at once (credits.low or credits.recovered).",
          tags: ['admin'],
          body: ThresholdBody,
          response: { 200: ThresholdReply },
        },
      },
      async (request) =>
        thresholdReply(
          await setThreshold({
            ctx,
            input: { workspaceId: workspaceOf(request), threshold: thresholdFromBody(request.body) },
          }),
        ),
    );

    app.delete(
      '/v1/alerts/threshold',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'resetAlertThreshold',
          summary: 'Go back to the default low-credit threshold (20% of the period)',
          tags: ['admin'],
          response: { 200: ThresholdReply },
        },
      },
      async (request) =>
        thresholdReply(await setThreshold({ ctx, input: { workspaceId: workspaceOf(request), threshold: null } })),
    );
  };
}

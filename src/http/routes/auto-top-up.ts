import { type AutoTopUpView, getAutoTopUp, setAutoTopUp } from '../../billing/auto-top-up/auto-top-ups.ts';
import type { BillingContext } from '../../billing/context.ts';
import { AutoTopUpBody, AutoTopUpReply } from '../../contract/auto-top-up.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, toCredits, toMillicredits } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';

function autoTopUpReply(view: AutoTopUpView): AutoTopUpReply {
  const { last } = view;
  return {
    enabled: view.enabled,
    threshold: toCredits(view.threshold),
    pack: view.pack,
    maxPerMonth: view.maxPerMonth,
    thisMonth: view.thisMonth,
    ...(last
      ? {
          last: {
            at: iso(last.paidAt ?? last.createdAt),
            pack: last.packId,
            status: last.status,
            ...(last.grantId ? { grantId: last.grantId } : {}),
            ...(last.error ? { error: last.error } : {}),
            ...(last.actionUrl ? { actionUrl: last.actionUrl } : {}),
          },
        }
      : {}),
  };
}

/** The workspace's auto top-up: read it (scope read), set it (scope admin). */
export function autoTopUpRoutes(ctx: Pick<BillingContext, 'store' | 'clock' | 'catalog' | 'payments'>) {
  return (app: App) => {
    app.get(
      '/v1/auto-top-up',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getAutoTopUp',
          summary: 'The auto top-up settings, this month’s count and the last attempt',
          tags: ['read'],
          response: { 200: AutoTopUpReply },
        },
      },
      async (request) => autoTopUpReply(await getAutoTopUp({ ctx, input: { workspaceId: workspaceOf(request) } })),
    );

    app.put(
      '/v1/auto-top-up',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'setAutoTopUp',
          summary: 'Set auto top-up',
          description:
            'When available falls below `threshold`, Tally buys `pack` once for that crossing, at most `maxPerMonth` times a calendar month: Stripe charges the saved card off-session (credits when the payment succeeds), TALLY_PAYMENTS=manual grants at once. A failed payment is not retried until the balance has been back at or above the threshold. Enabling it with TALLY_PAYMENTS=off is 409 payments_not_configured.',
          tags: ['admin'],
          body: AutoTopUpBody,
          response: { 200: AutoTopUpReply, ...serviceErrors(409) },
        },
      },
      async (request) => {
        const { enabled, threshold, pack, maxPerMonth } = request.body;
        return autoTopUpReply(
          await setAutoTopUp({
            ctx,
            input: {
              workspaceId: workspaceOf(request),
              settings: { enabled, threshold: toMillicredits(threshold, 'threshold'), pack, maxPerMonth },
            },
          }),
        );
      },
    );
  };
}

import { Type } from '@sinclair/typebox';
import { exportBillingHistoryCsv, listBillingHistory } from '../../billing/history/history-service.ts';
import { BillingHistoryReply } from '../../contract/billing-history.ts';
import type { Context } from '../../ledger/context.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, toCredits } from '../convert.ts';
import type { App } from '../server.ts';

/** The Plans page's billing history: plan changes, renewals and purchases, as JSON and as CSV. */
export function billingHistoryRoutes(ctx: Context) {
  return (app: App) => {
    app.get(
      '/v1/billing/history',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getBillingHistory',
          summary: 'Plan changes, renewals and purchases, newest first',
          description: 'Each with the credits it granted, the money paid where known, and Stripe’s receipt or invoice.',
          tags: ['read'],
          response: { 200: BillingHistoryReply },
        },
      },
      async (request) => ({
        items: (await listBillingHistory({ ctx, input: { workspaceId: workspaceOf(request) } })).map((entry) => ({
          ...entry,
          at: iso(entry.at),
          credits: toCredits(entry.credits),
        })),
      }),
    );

    app.get(
      '/v1/billing/history.csv',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'exportBillingHistoryCsv',
          summary: 'The billing history as CSV',
          description: 'Columns: date, kind, description, credits, amount, currency, document_url.',
          tags: ['read'],
          response: {
            200: {
              description: 'The CSV file, with a header row, as an attachment (Content-Disposition).',
              content: { 'text/csv': { schema: Type.String() } },
            },
          },
        },
      },
      async (request, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="tally-billing-history.csv"')
          .send(await exportBillingHistoryCsv({ ctx, input: { workspaceId: workspaceOf(request) } })),
    );
  };
}

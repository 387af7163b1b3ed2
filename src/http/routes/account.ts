import { Type } from '@sinclair/typebox';
import type { PlanInsightsContext } from '../../billing/context.ts';
import { checkLowCredit, getAgentAllowance } from '../../billing/insights.ts';
import { BalanceReply, StatementReply } from '../../contract/ledger.ts';
import { getBalance } from '../../ledger/balance.ts';
import { getStatement, MAX_STATEMENT_PAGE } from '../../ledger/statement.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, toCredits } from '../convert.ts';
import type { App } from '../server.ts';
import { expiringReply } from './expiring-reply.ts';
import { grantReply } from './replies.ts';

/** The workspace's own view of its credits: balance and statement. */
export function accountRoutes(ctx: PlanInsightsContext) {
  return (app: App) => {
    app.get(
      '/v1/balance',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getBalance',
          summary: 'Credits available now, this period, and per grant',
          tags: ['read'],
          response: { 200: BalanceReply },
        },
      },
      async (request) => {
        const workspaceId = workspaceOf(request);
        const balance = await getBalance({ ctx, input: { workspaceId } });
        const [agents, low] = await Promise.all([
          getAgentAllowance({ ctx, input: { workspaceId } }),
          checkLowCredit({
            ctx,
            input: { workspaceId, available: balance.available, periodGranted: balance.period.granted },
          }),
        ]);
        return {
          available: toCredits(balance.available),
          held: toCredits(balance.held),
          overage: { debt: toCredits(balance.overageDebt), limit: toCredits(balance.overageLimit) },
          period: {
            start: iso(balance.period.start),
            end: iso(balance.period.end),
            granted: toCredits(balance.period.granted),
            used: toCredits(balance.period.used),
          },
          grants: balance.grants.map(grantReply),
          expiring: balance.expiring.map(expiringReply),
          low: low.low,
          ...(low.upgrade ? { upgrade: low.upgrade } : {}),
          agents,
        };
      },
    );

    app.get(
      '/v1/ledger',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getLedger',
          summary: 'The statement: every grant, charge, refund and expiry with the balance after it',
          tags: ['read'],
          querystring: Type.Object(
            {
              cursor: Type.Optional(Type.String({ maxLength: 32 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STATEMENT_PAGE, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: StatementReply },
        },
      },
      async (request) => {
        const statement = await getStatement({
          ctx,
          input: {
            workspaceId: workspaceOf(request),
            after: request.query.cursor ?? null,
            limit: request.query.limit ?? 100,
          },
        });
        return {
          lines: statement.lines.map((line) => ({
            seq: line.seq,
            at: iso(line.at),
            kind: line.kind,
            amount: toCredits(line.amount),
            grantId: line.grantId,
            responseId: line.responseId,
            reason: line.reason,
            balanceAfter: toCredits(line.balanceAfter),
          })),
          nextCursor: statement.nextCursor,
        };
      },
    );
  };
}

import { Type } from '@sinclair/typebox';
import {
  BreakdownQuery,
  ForecastReply,
  HistoryQuery,
  RangeQuery,
  UsageBreakdownReply,
  UsageHistoryReply,
  UsageSummaryReply,
} from '../../contract/usage.ts';
import { usageBreakdown } from '../../reports/breakdown.ts';
import type { ReportsContext } from '../../reports/context.ts';
import { usageForecast } from '../../reports/forecast.ts';
import { exportUsageCsv, usageHistory, usageSummary } from '../../reports/usage.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { isoOrNull, toCredits } from '../convert.ts';
import type { App } from '../server.ts';

/** The dashboard's usage reads, all from local-day rollups: their cost grows with the days shown, not the responses. */
export function usageRoutes(ctx: ReportsContext) {
  return (app: App) => {
    app.get(
      '/v1/usage/summary',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getUsageSummary',
          summary: 'Credits used, calls and chats in a range of days',
          description:
            "Both ends are whole days in the workspace's time zone and both are included. Default: the current period up to today.",
          tags: ['read'],
          querystring: RangeQuery,
          response: { 200: UsageSummaryReply },
        },
      },
      async (request) => {
        const summary = await usageSummary({ ctx, input: { ...request.query, workspaceId: workspaceOf(request) } });
        return { ...summary, creditsUsed: toCredits(summary.creditsUsed) };
      },
    );

    app.get(
      '/v1/usage/breakdown',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getUsageBreakdown',
          summary: 'Where the credits went: usage by agent, channel or feature set',
          description:
            'Same range as the summary, and the rows add up to it. A response counts under its whole feature set (credits included); a call or chat under the features of the response that first saw it.',
          tags: ['read'],
          querystring: BreakdownQuery,
          response: { 200: UsageBreakdownReply },
        },
      },
      async (request) => {
        const breakdown = await usageBreakdown({ ctx, input: { ...request.query, workspaceId: workspaceOf(request) } });
        return {
          ...breakdown,
          rows: breakdown.rows.map((row) => ({ ...row, creditsUsed: toCredits(row.creditsUsed) })),
        };
      },
    );

    app.get(
      '/v1/usage/history',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getUsageHistory',
          summary: 'Usage by day or ISO week (starting Monday), a point for every interval',
          description: 'Default: the last 90 days by day, today included.',
          tags: ['read'],
          querystring: HistoryQuery,
          response: { 200: UsageHistoryReply },
        },
      },
      async (request) => {
        const history = await usageHistory({
          ctx,
          input: { ...request.query, workspaceId: workspaceOf(request), interval: request.query.interval ?? 'day' },
        });
        return {
          ...history,
          points: history.points.map((point) => ({ ...point, creditsUsed: toCredits(point.creditsUsed) })),
        };
      },
    );

    app.get(
      '/v1/usage/export.csv',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'exportUsageCsv',
          summary: 'Usage as CSV: one row per day and channel',
          description:
            'Columns: day, channel, credits_used, responses, conversations. Default range: the current period.',
          tags: ['read'],
          querystring: RangeQuery,
          response: {
            200: {
              description: 'The CSV file, with a header row, as an attachment (Content-Disposition).',
              content: { 'text/csv': { schema: Type.String() } },
            },
          },
        },
      },
      async (request, reply) => {
        const exported = await exportUsageCsv({ ctx, input: { ...request.query, workspaceId: workspaceOf(request) } });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="tally-usage-${exported.from}-to-${exported.to}.csv"`)
          .send(exported.csv);
      },
    );

    app.get(
      '/v1/forecast',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getForecast',
          summary: 'When credits run out at the current pace, and what that suggests',
          description: 'The pace is the average of the last 14 full days.',
          tags: ['read'],
          response: { 200: ForecastReply },
        },
      },
      async (request) => {
        const forecast = await usageForecast({ ctx, input: { workspaceId: workspaceOf(request) } });
        return {
          dailyAverage: toCredits(forecast.dailyAverage),
          runsOutAt: isoOrNull(forecast.runsOutAt),
          periodEndProjection: toCredits(forecast.periodEndProjection),
          suggestedPlan: forecast.suggestedPlan,
        };
      },
    );
  };
}

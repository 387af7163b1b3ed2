import type { Millicredits } from '../domain/amounts.ts';
import { csvField } from '../domain/csv.ts';
import { addDays, type DayRange, dayIn, weekStart } from '../domain/days.ts';
import type { Call, Context } from '../ledger/context.ts';
import {
  type DayChannelUsage,
  type UsageFigures,
  type UsageRange,
  usagePerDayAndChannel,
  usageTotal,
} from '../ledger/usage-reads.ts';
import { periodRange, type RangeInput, resolveRange, workspaceZone } from './ranges.ts';

export interface HistoryPoint extends UsageFigures {
  start: string;
}

export type HistoryInterval = 'day' | 'week';

export const DEFAULT_HISTORY_DAYS = 90;

const zero = (): UsageFigures => ({ creditsUsed: 0, calls: 0, chats: 0, responses: 0 });

function add(figures: UsageFigures, row: DayChannelUsage): void {
  figures.creditsUsed += row.creditsUsed;
  figures.responses += row.responses;
  if (row.channel === 'call') figures.calls += row.conversations;
  else figures.chats += row.conversations;
}

/** The workspace's use over the days asked for (default: the current period up to today), from the local-day rollups. */
export async function usageSummary({ ctx, input }: Call<Context, RangeInput>): Promise<DayRange & UsageFigures> {
  const range = await periodRange({ ctx, input });
  return { ...range, ...(await usageTotal({ ctx, input: { workspaceId: input.workspaceId, range } })) };
}

/** One point per local day or per ISO week (starting Monday) in the range, zeros included. */
async function historyPoints(
  ctx: Pick<Context, 'store'>,
  input: UsageRange & { interval: HistoryInterval; agentId?: string | undefined },
): Promise<HistoryPoint[]> {
  const { range, interval } = input;
  const bucket = (day: string) => (interval === 'day' ? day : weekStart(day));
  const points = new Map<string, HistoryPoint>();
  const step = interval === 'day' ? 1 : 7;
  for (let day = bucket(range.from); day <= range.to; day = addDays(day, step))
    points.set(day, { start: day, ...zero() });
  for (const row of await usagePerDayAndChannel({ ctx, input })) {
    const point = points.get(bucket(row.day));
    if (point) add(point, row);
  }
  return [...points.values()];
}

/** Use by local day or ISO week, of one agent or all; default: the last 90 days, today included. */
export async function usageHistory({
  ctx,
  input,
}: Call<Context, RangeInput & { interval: HistoryInterval; agentId?: string | undefined }>): Promise<
  DayRange & { interval: HistoryInterval; points: HistoryPoint[] }
> {
  const now = ctx.clock();
  const { zone } = await workspaceZone({ ctx, input: { workspaceId: input.workspaceId } });
  const today = dayIn(now, zone);
  const fallback = { from: addDays(today, -(DEFAULT_HISTORY_DAYS - 1)), to: today };
  const range = resolveRange(input.from, input.to, fallback, zone);
  const { workspaceId, interval, agentId } = input;
  return { ...range, interval, points: await historyPoints(ctx, { workspaceId, range, interval, agentId }) };
}

/** Credits used per local day for the last `days` full days before `today`, oldest first, zeros included. */
export async function recentDailyCredits({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, { workspaceId: string; today: string; days: number }>): Promise<Millicredits[]> {
  const { workspaceId, today, days } = input;
  const range = { from: addDays(today, -days), to: addDays(today, -1) };
  const history = await historyPoints(ctx, { workspaceId, range, interval: 'day' });
  return history.map((point) => point.creditsUsed);
}

/** One row per local day and channel that saw use, credits in decimal credits; default range: the current period. */
export async function exportUsageCsv({ ctx, input }: Call<Context, RangeInput>): Promise<DayRange & { csv: string }> {
  const range = await periodRange({ ctx, input });
  const lines = [['day', 'channel', 'credits_used', 'responses', 'conversations'].join(',')];
  for (const row of await usagePerDayAndChannel({ ctx, input: { workspaceId: input.workspaceId, range } })) {
    lines.push(
      [row.day, row.channel, row.creditsUsed / 1000, row.responses, row.conversations].map(csvField).join(','),
    );
  }
  return { ...range, csv: `${lines.join('\r\n')}\r\n` };
}

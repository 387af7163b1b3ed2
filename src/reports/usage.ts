import type { Millicredits } from '../domain/amounts.ts';
import { csvField } from '../domain/csv.ts';
import { addDays, type DayRange, dayIn, daysBetween, isDay, weekStart } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import { toFigures, usageSums } from './usage-sums.ts';

export type { DayRange } from '../domain/days.ts';

export interface UsageFigures {
  creditsUsed: Millicredits;
  calls: number;
  chats: number;
  responses: number;
}

export interface HistoryPoint extends UsageFigures {
  start: string;
}

export const MAX_RANGE_DAYS = 400;

/** A `from`/`to` query value: a day (`2026-11-25`) or an RFC 3339 time, which counts for its day in `zone`. */
export function parseDay(value: string | undefined, field: string, zone: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (isDay(value)) return value;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw new TallyError('invalid_request', `${field} must be a date (2026-11-25) or an RFC 3339 time.`, { field });
  }
  return dayIn(at, zone);
}

export function resolveRange(
  from: string | undefined,
  to: string | undefined,
  fallback: DayRange,
  zone: string,
): DayRange {
  const range = { from: parseDay(from, 'from', zone) ?? fallback.from, to: parseDay(to, 'to', zone) ?? fallback.to };
  if (range.from > range.to) throw new TallyError('invalid_request', 'from must not be after to.', { field: 'from' });
  if (daysBetween(range.from, range.to) >= MAX_RANGE_DAYS) {
    throw new TallyError('invalid_request', `A range may span at most ${MAX_RANGE_DAYS} days.`, { field: 'from' });
  }
  return range;
}

type Row = {
  day: string;
  channel: string;
  credits: number | null;
  responses: number | null;
  conversations: number | null;
};

/**
 * Usage per local day and channel in the range, of one agent or all: reads the local-day rollups
 * of the primary key's (workspace_id, day) prefix only, one row per day and key in use.
 */
async function dailyRows(store: Store, workspaceId: string, range: DayRange, agentId?: string): Promise<Row[]> {
  let query = store.replica.db
    .selectFrom('usage_days')
    .select([
      'day',
      'channel',
      (eb) => eb.fn.sum<number>('credits_used').as('credits'),
      (eb) => eb.fn.sum<number>('responses').as('responses'),
      (eb) => eb.fn.sum<number>('conversations').as('conversations'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to);
  if (agentId !== undefined) query = query.where('agent_id', '=', agentId);
  return query.groupBy(['day', 'channel']).orderBy('day').orderBy('channel').execute();
}

const zero = (): UsageFigures => ({ creditsUsed: 0, calls: 0, chats: 0, responses: 0 });

function add(figures: UsageFigures, row: Row): void {
  figures.creditsUsed += Number(row.credits ?? 0);
  figures.responses += Number(row.responses ?? 0);
  if (row.channel === 'call') figures.calls += Number(row.conversations ?? 0);
  else figures.chats += Number(row.conversations ?? 0);
}

export async function usageSummary(store: Store, workspaceId: string, range: DayRange): Promise<UsageFigures> {
  const row = await store.replica.db
    .selectFrom('usage_days')
    .select(usageSums)
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .executeTakeFirst();
  return row ? toFigures(row) : zero();
}

/** One point per local day or per ISO week (starting Monday) in the range, zeros included. */
export async function usageHistory(
  store: Store,
  workspaceId: string,
  range: DayRange,
  interval: 'day' | 'week',
  agentId?: string,
): Promise<HistoryPoint[]> {
  const bucket = (day: string) => (interval === 'day' ? day : weekStart(day));
  const points = new Map<string, HistoryPoint>();
  const step = interval === 'day' ? 1 : 7;
  for (let day = bucket(range.from); day <= range.to; day = addDays(day, step))
    points.set(day, { start: day, ...zero() });
  for (const row of await dailyRows(store, workspaceId, range, agentId)) {
    const point = points.get(bucket(row.day));
    if (point) add(point, row);
  }
  return [...points.values()];
}

/** Credits used per local day for the last `days` full days before `today`, oldest first, zeros included. */
export async function recentDailyCredits(
  store: Store,
  workspaceId: string,
  today: string,
  days: number,
): Promise<Millicredits[]> {
  const range = { from: addDays(today, -days), to: addDays(today, -1) };
  const history = await usageHistory(store, workspaceId, range, 'day');
  return history.map((point) => point.creditsUsed);
}

/** One row per local day and channel that saw use, credits in decimal credits. */
export async function exportUsageCsv(store: Store, workspaceId: string, range: DayRange): Promise<string> {
  const lines = [['day', 'channel', 'credits_used', 'responses', 'conversations'].join(',')];
  for (const row of await dailyRows(store, workspaceId, range)) {
    lines.push(
      [
        row.day,
        row.channel,
        Number(row.credits ?? 0) / 1000,
        Number(row.responses ?? 0),
        Number(row.conversations ?? 0),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

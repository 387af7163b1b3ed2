import { sql } from 'kysely';
import type { Millicredits } from '../domain/amounts.ts';
import { csvField } from '../domain/csv.ts';
import { addDays, daysBetween, isDay, weekStart } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { utcDay } from '../domain/periods.ts';
import type { Store } from '../store/store.ts';

/** Both ends are whole UTC days and both are included: `from=2026-11-01&to=2026-11-30` is November. */
export interface DayRange {
  from: string;
  to: string;
}

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

/** A `from`/`to` query value: a day (`2026-11-25`) or an RFC 3339 time, which counts for its UTC day. */
export function parseDay(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (isDay(value)) return value;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw new TallyError('invalid_request', `${field} must be a date (2026-11-25) or an RFC 3339 time.`, { field });
  }
  return utcDay(at);
}

export function resolveRange(from: string | undefined, to: string | undefined, fallback: DayRange): DayRange {
  const range = { from: parseDay(from, 'from') ?? fallback.from, to: parseDay(to, 'to') ?? fallback.to };
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

/** Daily rollup rows of one workspace for the range: reads the primary key's (workspace_id, day) prefix only. */
async function dailyRows(store: Store, workspaceId: string, range: DayRange): Promise<Row[]> {
  return store.db
    .selectFrom('daily_rollups')
    .select([
      'day',
      'channel',
      (eb) => eb.fn.sum<number>('credits_used').as('credits'),
      (eb) => eb.fn.sum<number>('responses').as('responses'),
      (eb) => eb.fn.sum<number>('conversations').as('conversations'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(['day', 'channel'])
    .orderBy('day')
    .orderBy('channel')
    .execute();
}

const zero = (): UsageFigures => ({ creditsUsed: 0, calls: 0, chats: 0, responses: 0 });

function add(figures: UsageFigures, row: Row): void {
  figures.creditsUsed += Number(row.credits ?? 0);
  figures.responses += Number(row.responses ?? 0);
  if (row.channel === 'call') figures.calls += Number(row.conversations ?? 0);
  else figures.chats += Number(row.conversations ?? 0);
}

export async function usageSummary(store: Store, workspaceId: string, range: DayRange): Promise<UsageFigures> {
  const row = await store.db
    .selectFrom('daily_rollups')
    .select([
      (eb) => eb.fn.sum<number>('credits_used').as('credits'),
      (eb) => eb.fn.sum<number>('responses').as('responses'),
      sql<number>`sum(case when channel = 'call' then conversations else 0 end)`.as('calls'),
      sql<number>`sum(case when channel = 'chat' then conversations else 0 end)`.as('chats'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .executeTakeFirst();
  return {
    creditsUsed: Number(row?.credits ?? 0),
    calls: Number(row?.calls ?? 0),
    chats: Number(row?.chats ?? 0),
    responses: Number(row?.responses ?? 0),
  };
}

/** One point per day or per ISO week (starting Monday) in the range, zeros included. */
export async function usageHistory(
  store: Store,
  workspaceId: string,
  range: DayRange,
  interval: 'day' | 'week',
): Promise<HistoryPoint[]> {
  const bucket = (day: string) => (interval === 'day' ? day : weekStart(day));
  const points = new Map<string, HistoryPoint>();
  const step = interval === 'day' ? 1 : 7;
  for (let day = bucket(range.from); day <= range.to; day = addDays(day, step))
    points.set(day, { start: day, ...zero() });
  for (const row of await dailyRows(store, workspaceId, range)) {
    const point = points.get(bucket(row.day));
    if (point) add(point, row);
  }
  return [...points.values()];
}

/** Credits used per day for the last `days` full days before `today`, oldest first, zeros included. */
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

/** One row per day and channel that saw use, credits in decimal credits. */
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

import { type ExpressionBuilder, sql } from 'kysely';
import type { Millicredits } from '../domain/amounts.ts';
import type { DayRange } from '../domain/days.ts';
import type { Database } from '../store/schema.ts';
import type { Call, Context } from './context.ts';

/** What the dashboard shows of a workspace's use: calls and chats are the conversations first seen on each channel. */
export interface UsageFigures {
  creditsUsed: Millicredits;
  calls: number;
  chats: number;
  responses: number;
}

/** Use on one local day and channel, for the history and the CSV export. */
export interface DayChannelUsage {
  day: string;
  channel: string;
  creditsUsed: Millicredits;
  responses: number;
  conversations: number;
}

/** The local-day columns a usage read may split by. */
export type UsageKey = 'agent_id' | 'channel' | 'features';

/**
 * The figures every usage read sums, written once so the summary and each breakdown count the same
 * way: calls and chats are the conversations first seen on each channel.
 */
const usageSums = (eb: ExpressionBuilder<Database, 'usage_days'>) => [
  eb.fn.sum<number | string | null>('credits_used').as('credits'),
  eb.fn.sum<number | string | null>('responses').as('responses'),
  sql<number | string | null>`sum(case when channel = 'call' then conversations else 0 end)`.as('calls'),
  sql<number | string | null>`sum(case when channel = 'chat' then conversations else 0 end)`.as('chats'),
];

type Sums = {
  credits: number | string | null;
  responses: number | string | null;
  calls: number | string | null;
  chats: number | string | null;
};

/** PostgreSQL sums bigints as numeric strings, SQLite as numbers or null for no rows: both become integers. */
function toFigures(row: Sums): UsageFigures {
  return {
    creditsUsed: Number(row.credits ?? 0),
    calls: Number(row.calls ?? 0),
    chats: Number(row.chats ?? 0),
    responses: Number(row.responses ?? 0),
  };
}

/** Which workspace's use a read sums, over which local days. */
export interface UsageRange {
  workspaceId: string;
  range: DayRange;
}

/** Shown figures only: read from the replica when there is one (Store.replica). */
const inRange = (ctx: Pick<Context, 'store'>, { workspaceId, range }: UsageRange) =>
  ctx.store.replica.db
    .selectFrom('usage_days')
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to);

/** The workspace's use over the range's local days. */
export async function usageTotal({ ctx, input }: Call<Pick<Context, 'store'>, UsageRange>): Promise<UsageFigures> {
  return toFigures(await inRange(ctx, input).select(usageSums).executeTakeFirstOrThrow());
}

/** The workspace's use over the range's local days, one total per value of `key` in use. */
export async function usageTotalsBy({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, UsageRange & { key: UsageKey }>): Promise<Array<UsageFigures & { key: string }>> {
  const { key } = input;
  const rows = await inRange(ctx, input)
    .select((eb) => [eb.ref(key).as('key'), ...usageSums(eb)])
    .groupBy(key)
    .execute();
  return rows.map((row) => ({ key: row.key, ...toFigures(row) }));
}

/**
 * Use per local day and channel in the range, of one agent or all, by day then channel: reads the
 * local-day rollups of the primary key's (workspace_id, day) prefix only, one row per day and key in use.
 */
export async function usagePerDayAndChannel({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, UsageRange & { agentId?: string | undefined }>): Promise<DayChannelUsage[]> {
  const { agentId } = input;
  let query = inRange(ctx, input).select([
    'day',
    'channel',
    (eb) => eb.fn.sum<number | string | null>('credits_used').as('credits'),
    (eb) => eb.fn.sum<number | string | null>('responses').as('responses'),
    (eb) => eb.fn.sum<number | string | null>('conversations').as('conversations'),
  ]);
  if (agentId !== undefined) query = query.where('agent_id', '=', agentId);
  const rows = await query.groupBy(['day', 'channel']).orderBy('day').orderBy('channel').execute();
  return rows.map((row) => ({
    day: row.day,
    channel: row.channel,
    creditsUsed: Number(row.credits ?? 0),
    responses: Number(row.responses ?? 0),
    conversations: Number(row.conversations ?? 0),
  }));
}

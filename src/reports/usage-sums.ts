import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { UsageFigures } from './usage.ts';

/**
 * The figures every usage read sums, written once so the summary and each breakdown count the same
 * way: calls and chats are the conversations first seen on each channel.
 */
export const usageSums = (eb: ExpressionBuilder<Database, 'usage_days'>) => [
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
export function toFigures(row: Sums): UsageFigures {
  return {
    creditsUsed: Number(row.credits ?? 0),
    calls: Number(row.calls ?? 0),
    chats: Number(row.chats ?? 0),
    responses: Number(row.responses ?? 0),
  };
}

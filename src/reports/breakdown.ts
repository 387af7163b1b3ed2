import type { DayRange } from '../domain/days.ts';
import { featureKey } from '../domain/usage-slots.ts';
import type { Call, Context } from '../ledger/context.ts';
import { type UsageFigures, usageTotalsBy } from '../ledger/usage-reads.ts';
import { periodRange, type RangeInput } from './ranges.ts';

export const BREAKDOWN_DIMENSIONS = ['agent', 'channel', 'feature'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export interface BreakdownRow extends UsageFigures {
  key: string;
}

const COLUMN = { agent: 'agent_id', channel: 'channel', feature: 'features' } as const;

/**
 * Usage in the range (default: the current period up to today) split by agent, channel or feature set. Every local-day row has exactly one
 * agent, one channel and one feature set, so the rows of each split add up to the summary of the same
 * range. A response counts under its whole feature set (`tts+transcription`, or `none`), its credits
 * included, and a call or chat under the features of the response that first saw it. Reads the
 * range's local-day rows only: its cost grows with the days and keys shown, not with the responses.
 */
export async function usageBreakdown({
  ctx,
  input,
}: Call<Context, RangeInput & { by: BreakdownDimension }>): Promise<
  DayRange & { by: BreakdownDimension; rows: BreakdownRow[] }
> {
  const { workspaceId, by } = input;
  const range = await periodRange({ ctx, input });
  const rows = await usageTotalsBy({ ctx, input: { workspaceId, range, key: COLUMN[by] } });
  return {
    ...range,
    by,
    // Feature sets are stored as sorted JSON, so each set is one group and one key.
    rows: rows
      .map((row) => (by === 'feature' ? { ...row, key: featureKey(JSON.parse(row.key) as string[]) } : row))
      // Most credits first; a tie by key, so the order is stable.
      .sort((a, b) => b.creditsUsed - a.creditsUsed || a.key.localeCompare(b.key)),
  };
}

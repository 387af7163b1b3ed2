import type { DayRange } from '../domain/days.ts';
import { featureKey } from '../domain/usage-slots.ts';
import type { Store } from '../store/store.ts';
import type { UsageFigures } from './usage.ts';
import { toFigures, usageSums } from './usage-sums.ts';

export const BREAKDOWN_DIMENSIONS = ['agent', 'channel', 'feature'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export interface BreakdownRow extends UsageFigures {
  key: string;
}

const COLUMN = { agent: 'agent_id', channel: 'channel', feature: 'features' } as const;

/**
 * Usage in the range split by agent, channel or feature set. Every local-day row has exactly one
 * agent, one channel and one feature set, so the rows of each split add up to the summary of the same
 * range. A response counts under its whole feature set (`tts+transcription`, or `none`), its credits
 * included, and a call or chat under the features of the response that first saw it. Reads the
 * range's local-day rows only: its cost grows with the days and keys shown, not with the responses.
 */
export async function usageBreakdown(
  store: Store,
  workspaceId: string,
  range: DayRange,
  by: BreakdownDimension,
): Promise<BreakdownRow[]> {
  const column = COLUMN[by];
  const rows = await store.replica.db
    .selectFrom('usage_days')
    .select((eb) => [eb.ref(column).as('key'), ...usageSums(eb)])
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(column)
    .execute();
  // Feature sets are stored as sorted JSON, so each set is one group and one key.
  return (
    rows
      .map((row) => ({
        key: by === 'feature' ? featureKey(JSON.parse(row.key) as string[]) : row.key,
        ...toFigures(row),
      }))
      // Most credits first; a tie by key, so the order is stable.
      .sort((a, b) => b.creditsUsed - a.creditsUsed || a.key.localeCompare(b.key))
  );
}

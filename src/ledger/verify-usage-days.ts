import { UTC } from '../domain/days.ts';
import type { UsageFiguresRow } from '../domain/usage-slots.ts';
import type { Context } from './context.ts';
import { expectedUsageDays } from './usage-days.ts';
import type { Difference } from './verify-ledger.ts';

const FIGURES = ['credits_used', 'responses', 'conversations'] as const;

type DayRow = UsageFiguresRow & { day: string };

const keyOf = (row: DayRow) => `${row.day} ${row.channel} ${row.agent_id} ${row.features}`;

/**
 * Checks each workspace's local-day rollups against its quarter-hour rollups regrouped by the local
 * days of its zone (src/domain/usage-slots.ts); `verifyUsageSlots` checks the quarter hours
 * themselves. Reads every quarter-hour and local-day row once.
 */
export async function verifyUsageDays({ ctx }: { ctx: Pick<Context, 'store'> }): Promise<Difference[]> {
  const { store } = ctx;
  const workspaces = await store.db
    .selectFrom('workspaces')
    .leftJoin('workspace_settings', 'workspace_settings.workspace_id', 'workspaces.id')
    .select(['workspaces.id', 'workspace_settings.time_zone'])
    .execute();
  const differences: Difference[] = [];
  for (const workspace of workspaces) {
    const expected = new Map<string, DayRow>();
    for (const row of await expectedUsageDays(store.db, workspace.id, workspace.time_zone ?? UTC))
      expected.set(keyOf(row), row);
    const actual = new Map<string, DayRow>();
    const stored = await store.db
      .selectFrom('usage_days')
      .select(['day', 'channel', 'agent_id', 'features', 'credits_used', 'responses', 'conversations'])
      .where('workspace_id', '=', workspace.id)
      .execute();
    for (const row of stored) actual.set(keyOf(row), row);
    for (const key of new Set([...expected.keys(), ...actual.keys()])) {
      for (const figure of FIGURES) {
        const want = Number(expected.get(key)?.[figure] ?? 0);
        const got = Number(actual.get(key)?.[figure] ?? 0);
        if (want !== got) {
          differences.push({
            check: 'usage_day',
            workspaceId: workspace.id,
            subject: `${key} ${figure}`,
            expected: want,
            actual: got,
          });
        }
      }
    }
  }
  return differences;
}

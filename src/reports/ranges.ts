import { type DayRange, dayIn, daysBetween, isDay } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import { periodAt } from '../domain/periods.ts';
import type { Call, Context } from '../ledger/context.ts';
import { timeZoneOf } from '../ledger/workspace-settings.ts';
import { getWorkspace, type Workspace, type WorkspaceRef } from '../ledger/workspaces.ts';

export const MAX_RANGE_DAYS = 400;

/** A report's range as the caller asks it: `from`/`to` days or times, either left out for the report's default. */
export interface RangeInput extends WorkspaceRef {
  from?: string | undefined;
  to?: string | undefined;
}

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

/** The workspace and the zone its days are counted in; `not_found` when there is no such workspace. */
export async function workspaceZone({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, WorkspaceRef>): Promise<{ workspace: Workspace; zone: string }> {
  const workspace = await getWorkspace({ ctx, input });
  return { workspace, zone: await timeZoneOf({ ctx, input }) };
}

/** The days asked for, in the workspace's zone; by default the current period, from the local day it starts on to today. */
export async function periodRange({ ctx, input }: { ctx: Context; input: RangeInput }): Promise<DayRange> {
  const now = ctx.clock();
  const { workspace, zone } = await workspaceZone({ ctx, input: { workspaceId: input.workspaceId } });
  const current = { from: dayIn(periodAt(workspace.periodAnchor, now).start, zone), to: dayIn(now, zone) };
  return resolveRange(input.from, input.to, current, zone);
}

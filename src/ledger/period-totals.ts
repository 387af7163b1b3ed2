import { type Kysely, sql } from 'kysely';
import { utcDay } from '../domain/days.ts';
import { grantedInPeriod, type PeriodTotals, usedInPeriod } from '../domain/period-totals.ts';
import { periodAt } from '../domain/periods.ts';
import { workspaceNotFound } from '../domain/workspace-exists.ts';
import type { Database } from '../store/schema.ts';
import type { SharedReads } from '../store/store.ts';

/** More than a period's length: a window around now that holds every grant and day of the current period. */
const MONTH_OR_MORE_MS = 32 * 24 * 3600_000;

interface TotalsRow {
  part: 'workspace' | 'grant' | 'day';
  at: number | null;
  amount: number | null;
  day: string | null;
}

/**
 * The workspace's anchor, its grants and its usage by UTC day around now, in one
 * statement, since the balance observers run it in every ledger transaction; the current period is
 * cut from them in code. Written as SQL rather than with the query builder: building this union
 * costs more than SQLite takes to run it.
 */
async function readAround(db: Kysely<Database>, workspaceId: string, now: Date) {
  const from = now.getTime() - MONTH_OR_MORE_MS;
  const to = now.getTime() + MONTH_OR_MORE_MS;
  const { rows } = await sql<TotalsRow>`
    select 'workspace' as part, period_anchor as at, null as amount, null as day from workspaces where id = ${workspaceId}
    union all
    select 'grant', effective_at, amount, null from grants
    where workspace_id = ${workspaceId} and effective_at > ${from} and effective_at < ${to}
    union all
    select 'day', null, sum(credits_used), day from daily_rollups
    where workspace_id = ${workspaceId} and day >= ${utcDay(new Date(from))} and day <= ${utcDay(new Date(to))}
    group by day`.execute(db);
  const workspace = rows.find((row) => row.part === 'workspace');
  if (!workspace || workspace.at === null) throw workspaceNotFound(workspaceId);
  const period = periodAt(new Date(Number(workspace.at)), now);
  const grants = rows.flatMap((row) =>
    row.part === 'grant' ? [{ amount: Number(row.amount), effectiveAt: new Date(Number(row.at)) }] : [],
  );
  return { period, granted: grantedInPeriod(grants, period), rows };
}

/** The workspace's current period, the credits granted in it and the credits used in it, as GET /v1/balance counts them. */
export async function readPeriodTotals(db: Kysely<Database>, workspaceId: string, now: Date): Promise<PeriodTotals> {
  const { period, granted, rows } = await readAround(db, workspaceId, now);
  const days = rows.flatMap((row) =>
    row.part === 'day' && row.day !== null ? [{ day: row.day, creditsUsed: Number(row.amount) }] : [],
  );
  return { period, granted, used: usedInPeriod(days, period) };
}

/** `readPeriodTotals`, read once for every balance observer of one transaction (`shared`). */
export function sharedPeriodTotals(
  shared: SharedReads,
  db: Kysely<Database>,
  workspaceId: string,
  now: Date,
): Promise<PeriodTotals> {
  const key = `period-totals:${workspaceId}:${now.getTime()}`;
  const known = shared.get(key) as Promise<PeriodTotals> | undefined;
  if (known) return known;
  const read = readPeriodTotals(db, workspaceId, now);
  shared.set(key, read);
  return read;
}

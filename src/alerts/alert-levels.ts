import { type Kysely, sql } from 'kysely';
import {
  type AlertLevel,
  DEFAULT_ALERT_LEVELS,
  isReached,
  levelCrossings,
  levelKey,
  type UsageStanding,
  usedBasisPoints,
  validateLevels,
} from '../domain/alert-levels.ts';
import { type Millicredits, millicreditsToCredits } from '../domain/amounts.ts';
import { utcDay } from '../domain/days.ts';
import { type Period, periodAt } from '../domain/periods.ts';
import { workspaceNotFound } from '../domain/workspace-exists.ts';
import type { Database } from '../store/schema.ts';
import type { BalanceChange, Store } from '../store/store.ts';
import { availableNow } from './credit-alerts.ts';
import { recordEvent } from './events.ts';

export const LEVEL_REACHED_EVENT = 'usage.level_reached';

export interface LevelsView {
  levels: { level: AlertLevel; reached: boolean }[];
  /** True when the workspace has not set its own levels and the defaults apply. */
  isDefault: boolean;
  period: Period;
  standing: UsageStanding;
}

interface LevelsRow {
  periodAnchor: Date;
  own: AlertLevel[] | null;
  reached: Record<string, number>;
}

const MONTH_OR_MORE_MS = 32 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

interface LevelQueryRow {
  part: 'workspace' | 'grant' | 'day';
  at: number | null;
  amount: number | null;
  day: string | null;
  levels: string | null;
  reached: string | null;
}

/**
 * The workspace's levels, what it reached, and the grants and daily usage around now, in one statement
 * since it runs in every ledger transaction; the current period is cut from them in code.
 */
async function loadLevels(db: Kysely<Database>, workspaceId: string, now: Date) {
  const from = now.getTime() - MONTH_OR_MORE_MS;
  const to = now.getTime() + MONTH_OR_MORE_MS;
  const { rows } = await sql<LevelQueryRow>`
    select 'workspace' as part, w.period_anchor as at, null as amount, null as day, l.levels, l.reached
    from workspaces w left join alert_levels l on l.workspace_id = w.id where w.id = ${workspaceId}
    union all
    select 'grant', effective_at, amount, null, null, null from grants
    where workspace_id = ${workspaceId} and effective_at > ${from} and effective_at < ${to}
    union all
    select 'day', null, sum(credits_used), day, null, null from daily_rollups
    where workspace_id = ${workspaceId} and day >= ${utcDay(new Date(from))} and day <= ${utcDay(new Date(to))}
    group by day`.execute(db);
  const workspace = rows.find((row) => row.part === 'workspace');
  if (!workspace || workspace.at === null) throw workspaceNotFound(workspaceId);
  const row: LevelsRow = {
    periodAnchor: new Date(Number(workspace.at)),
    own: workspace.levels === null ? null : (JSON.parse(workspace.levels) as AlertLevel[]),
    reached: workspace.reached === null ? {} : (JSON.parse(workspace.reached) as Record<string, number>),
  };
  const period = periodAt(row.periodAnchor, now);
  const within = (at: number) => at >= period.start.getTime() && at < period.end.getTime();
  const firstDay = utcDay(period.start);
  // The rollups count whole UTC days, as GET /v1/balance's period.used does.
  const lastDay = utcDay(new Date(period.end.getTime() - DAY_MS));
  const granted = rows
    .filter((r) => r.part === 'grant' && within(Number(r.at)))
    .reduce((sum, r) => sum + Number(r.amount), 0);
  const used = rows
    .filter((r) => r.part === 'day' && r.day !== null && r.day >= firstDay && r.day <= lastDay)
    .reduce((sum, r) => sum + Number(r.amount), 0);
  return { row, period, granted, used };
}

function levelsOf(row: LevelsRow): readonly AlertLevel[] {
  return row.own ?? DEFAULT_ALERT_LEVELS;
}

/** Most urgent last: a share used in rising order, then credits left in falling order. */
function inOrder(levels: readonly AlertLevel[]): AlertLevel[] {
  const rank = (level: AlertLevel) => (level.kind === 'used_percent' ? level.basisPoints : 1e20 - level.amount);
  return [...levels].sort((a, b) => rank(a) - rank(b));
}

function eventData(level: AlertLevel, standing: UsageStanding, period: Period): Record<string, unknown> {
  const used = usedBasisPoints(standing);
  return {
    level: level.kind === 'used_percent' ? level.basisPoints / 100 : millicreditsToCredits(level.amount),
    kind: level.kind,
    ...(used === null ? {} : { usedPercent: used / 100 }),
    creditsLeft: millicreditsToCredits(standing.available),
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
  };
}

/**
 * Usage levels: 50%, 80% and 100% of the period's credits used unless a workspace sets its own, and
 * "credits left" levels. Like the low-credit crossings, it watches every ledger transaction under the
 * workspace's account lock and keeps what it announced in the database, so each level reached is
 * announced once, by whichever process reached it, in the same commit as the credits that moved.
 */
export class AlertLevels {
  constructor(private readonly store: Store) {}

  observeLedger(): void {
    this.store.observeBalances('alert-levels', {
      load: async () => undefined,
      decide: (change, _loaded, db) => this.onBalanceChange(change, db),
    });
  }

  async onBalanceChange(change: BalanceChange, trx: Kysely<Database>): Promise<void> {
    const { row, period, granted, used } = await loadLevels(trx, change.workspaceId, change.at);
    const standing = { granted, used, available: change.after };
    const crossing = levelCrossings(levelsOf(row), row.reached, standing, period.start.getTime());
    if (sameKeys(crossing.reached, row.reached)) return;
    await saveLevels(trx, change.workspaceId, row.own, crossing.reached, change.at);
    for (const level of crossing.news) {
      await recordEvent(trx, change.workspaceId, LEVEL_REACHED_EVENT, eventData(level, standing, period), change.at);
    }
  }

  async view(workspaceId: string, now: Date): Promise<LevelsView> {
    const available = await this.store.snapshot((reader) => availableNow(reader, workspaceId, now));
    return viewOf(await loadLevels(this.store.db, workspaceId, now), available);
  }

  /**
   * Sets the workspace's levels (null: back to the defaults). What the workspace already reached is
   * kept for the levels it keeps; a new level it already stands past is announced by its next ledger
   * transaction.
   */
  async setLevels(workspaceId: string, levels: readonly AlertLevel[] | null, now: Date): Promise<LevelsView> {
    const own = levels === null ? null : inOrder(validateLevels(levels));
    return this.store.transaction(async (tx, trx) => {
      const available = await availableNow(tx, workspaceId, now);
      const loaded = await loadLevels(trx, workspaceId, now);
      const kept = new Set((own ?? DEFAULT_ALERT_LEVELS).map(levelKey));
      const reached = Object.fromEntries(Object.entries(loaded.row.reached).filter(([key]) => kept.has(key)));
      await saveLevels(trx, workspaceId, own, reached, now);
      return viewOf({ ...loaded, row: { ...loaded.row, own, reached } }, available);
    });
  }
}

function viewOf(
  loaded: { row: LevelsRow; period: Period; granted: Millicredits; used: Millicredits },
  available: Millicredits,
): LevelsView {
  const standing = { granted: loaded.granted, used: loaded.used, available };
  return {
    levels: levelsOf(loaded.row).map((level) => ({ level, reached: isReached(level, standing) })),
    isDefault: loaded.row.own === null,
    period: loaded.period,
    standing,
  };
}

function sameKeys(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

async function saveLevels(
  trx: Kysely<Database>,
  workspaceId: string,
  own: readonly AlertLevel[] | null,
  reached: Record<string, number>,
  at: Date,
): Promise<void> {
  const values = { levels: own === null ? null : JSON.stringify(own), reached: JSON.stringify(reached) };
  await trx
    .insertInto('alert_levels')
    .values({ workspace_id: workspaceId, ...values, updated_at: at.getTime() })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ ...values, updated_at: at.getTime() }))
    .execute();
}

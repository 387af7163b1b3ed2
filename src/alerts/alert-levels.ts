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
import { type PeriodTotals, totalsAfter } from '../domain/period-totals.ts';
import type { Period } from '../domain/periods.ts';
import type { Call, Context } from '../ledger/context.ts';
import { sharedPeriodTotals } from '../ledger/period-totals.ts';
import type { Database } from '../store/schema.ts';
import type { BalanceChange, SharedReads } from '../store/store.ts';
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

/** What the workspace's `alert_levels` row says: its own levels (null: the defaults) and what it reached. */
interface LevelsRow {
  own: AlertLevel[] | null;
  reached: Record<string, number>;
}

/** What a level is decided on: the levels row, and where the period stands. */
interface LevelsStanding extends PeriodTotals {
  row: LevelsRow;
}

interface LevelQueryRow {
  levels: string | null;
  reached: string;
}

/**
 * The workspace's levels row; it runs in every ledger transaction. Written as SQL rather than with the
 * query builder: building the query costs more than SQLite takes to run it.
 */
async function loadLevelsRow(db: Kysely<Database>, workspaceId: string): Promise<LevelsRow> {
  const { rows } = await sql<LevelQueryRow>`
    select levels, reached from alert_levels where workspace_id = ${workspaceId}`.execute(db);
  const row = rows[0];
  if (!row) return { own: null, reached: {} };
  return {
    own: row.levels === null ? null : (JSON.parse(row.levels) as AlertLevel[]),
    reached: JSON.parse(row.reached) as Record<string, number>,
  };
}

/** The levels row and the period's totals, read together: before a ledger transaction writes anything. */
async function loadLevels(
  db: Kysely<Database>,
  workspaceId: string,
  now: Date,
  shared: SharedReads = new Map(),
): Promise<LevelsStanding> {
  const [row, totals] = await Promise.all([
    loadLevelsRow(db, workspaceId),
    sharedPeriodTotals(shared, db, workspaceId, now),
  ]);
  return { ...totals, row };
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
export function observeAlertLevels({ ctx }: { ctx: Context }): void {
  ctx.store.observeBalances('alert-levels', {
    load: (db, workspaceId, at, shared) => loadLevels(db, workspaceId, at, shared),
    decide: (change, loaded, db) => onBalanceChange(change, loaded, db),
  });
}

export async function viewLevels({ ctx, input }: Call<Context, { workspaceId: string }>): Promise<LevelsView> {
  const now = ctx.clock();
  const { store } = ctx;
  const { workspaceId } = input;
  const available = await store.snapshot((reader) => availableNow(reader, workspaceId, now));
  return viewOf(await loadLevels(store.db, workspaceId, now), available);
}

/**
 * Sets the workspace's levels (null: back to the defaults). What the workspace already reached is
 * kept for the levels it keeps; a new level it already stands past is announced by its next ledger
 * transaction.
 */
export async function setLevels({
  ctx,
  input,
}: Call<Context, { workspaceId: string; levels: readonly AlertLevel[] | null }>): Promise<LevelsView> {
  const now = ctx.clock();
  const { workspaceId, levels } = input;
  const own = levels === null ? null : inOrder(validateLevels(levels));
  return ctx.store.transaction(async (tx, trx) => {
    await tx.lockAccount(workspaceId);
    const available = await availableNow(tx, workspaceId, now);
    const loaded = await loadLevels(trx, workspaceId, now);
    const kept = new Set((own ?? DEFAULT_ALERT_LEVELS).map(levelKey));
    const reached = Object.fromEntries(Object.entries(loaded.row.reached).filter(([key]) => kept.has(key)));
    await saveLevels(trx, workspaceId, own, reached, now);
    return viewOf({ ...loaded, row: { ...loaded.row, own, reached } }, available);
  });
}

/** Writes only when the set of levels reached changed: the period's totals with this transaction's own grants and usage. */
async function onBalanceChange(change: BalanceChange, loaded: LevelsStanding, trx: Kysely<Database>): Promise<void> {
  const { row } = loaded;
  const { period, granted, used } = totalsAfter(loaded, change);
  const standing = { granted, used, available: change.after };
  const crossing = levelCrossings(levelsOf(row), row.reached, standing, period.start.getTime());
  if (sameKeys(crossing.reached, row.reached)) return;
  await saveLevels(trx, change.workspaceId, row.own, crossing.reached, change.at);
  for (const level of crossing.news) {
    await recordEvent({
      ctx: { db: trx, now: change.at },
      input: { workspaceId: change.workspaceId, type: LEVEL_REACHED_EVENT, data: eventData(level, standing, period) },
    });
  }
}

function viewOf(loaded: LevelsStanding, available: Millicredits): LevelsView {
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

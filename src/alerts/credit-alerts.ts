import { type Kysely, sql } from 'kysely';
import { type Millicredits, millicreditsToCredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { liveRemaining } from '../domain/grants.ts';
import { DEFAULT_LOW_CREDIT_THRESHOLD, type LowCreditThreshold, lowCreditLine } from '../domain/low-credit.ts';
import { grantedInPeriod } from '../domain/period-totals.ts';
import type { Period } from '../domain/periods.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Call, Context } from '../ledger/context.ts';
import { sharedPeriodTotals } from '../ledger/period-totals.ts';
import type { Database, Db } from '../store/schema.ts';
import type { BalanceChange, LedgerReader, SharedReads } from '../store/store.ts';
import { type CreditState, creditState, crossingEvents } from './crossings.ts';
import { recordEvent } from './events.ts';

const BASIS_POINTS = 10_000;

export interface ThresholdView {
  threshold: LowCreditThreshold;
  /** True when the workspace has not set its own and the default applies. */
  isDefault: boolean;
  /** The threshold in millicredits for the current period. */
  line: Millicredits;
  available: Millicredits;
  state: CreditState;
}

/** What the workspace's `alert_states` row says: the state last announced and its own threshold. */
interface AlertRow {
  /** The last state announced; null before the first. */
  state: CreditState | null;
  threshold: LowCreditThreshold;
  isDefault: boolean;
}

/** What a crossing is decided on: the alert row, and the current period with the credits it granted. */
interface AlertStanding extends AlertRow {
  period: Period;
  granted: Millicredits;
}

function thresholdFromRow(kind: 'share' | 'absolute' | null, value: number | null): LowCreditThreshold | null {
  if (kind === null || value === null) return null;
  return kind === 'share'
    ? { kind: 'share', share: Number(value) / BASIS_POINTS }
    : { kind: 'absolute', amount: Number(value) };
}

function thresholdToRow(threshold: LowCreditThreshold): { kind: 'share' | 'absolute'; value: number } {
  if (threshold.kind === 'absolute') {
    if (!Number.isSafeInteger(threshold.amount) || threshold.amount < 0) {
      throw new TallyError('invalid_request', 'The threshold must be zero or more credits.', { field: 'credits' });
    }
    return { kind: 'absolute', value: threshold.amount };
  }
  const basisPoints = Math.round(threshold.share * BASIS_POINTS);
  if (
    !Number.isFinite(threshold.share) ||
    basisPoints < 0 ||
    basisPoints > BASIS_POINTS ||
    Math.abs(basisPoints - threshold.share * BASIS_POINTS) > 1e-6
  ) {
    throw new TallyError('invalid_request', 'percent must be from 0 to 100 with at most 2 decimals.', {
      field: 'percent',
    });
  }
  return { kind: 'share', value: basisPoints };
}

interface AlertQueryRow {
  state: CreditState | null;
  threshold_kind: 'share' | 'absolute' | null;
  threshold_value: number | null;
}

/**
 * The workspace's alert row; it runs in every ledger transaction. Written as SQL rather than with the
 * query builder: building the query costs more than SQLite takes to run it.
 */
async function loadAlertRow(db: Kysely<Database>, workspaceId: string): Promise<AlertRow> {
  const { rows } = await sql<AlertQueryRow>`
    select state, threshold_kind, threshold_value from alert_states where workspace_id = ${workspaceId}`.execute(db);
  const own = rows[0] ? thresholdFromRow(rows[0].threshold_kind, rows[0].threshold_value) : null;
  return { state: rows[0]?.state ?? null, threshold: own ?? DEFAULT_LOW_CREDIT_THRESHOLD, isDefault: own === null };
}

/** The alert row and the period's grants, read together: before a ledger transaction writes anything. */
async function loadStanding(
  db: Kysely<Database>,
  workspaceId: string,
  now: Date,
  shared: SharedReads = new Map(),
): Promise<AlertStanding> {
  const [row, { period, granted }] = await Promise.all([
    loadAlertRow(db, workspaceId),
    sharedPeriodTotals(shared, db, workspaceId, now),
  ]);
  return { ...row, period, granted };
}

/** What the workspace has available at `now`; inside a transaction, lock the account first for a figure that holds. */
export async function availableNow(reader: LedgerReader, workspaceId: string, now: Date): Promise<Millicredits> {
  const [account, grants, held] = await Promise.all([
    reader.readAccount(workspaceId),
    reader.openGrants(workspaceId),
    reader.heldAmount(workspaceId, now),
  ]);
  return liveRemaining(grants, now) - held - workspaceMustExist(account, workspaceId).overageDebt;
}

/**
 * Low-credit alerts: each workspace's threshold, and the crossings of it. It watches every ledger
 * transaction (registered as the store's balance observer) and compares the workspace's state after
 * it with the state last announced, stored in `alert_states`. Both run under the workspace's account
 * lock inside that transaction, so each crossing is announced once, whichever process made it, and
 * its events reach the outbox in the same commit as the credits that moved.
 */
export function observeCreditAlerts({ ctx }: { ctx: Context }): void {
  ctx.store.observeBalances('credit-alerts', {
    load: (db, workspaceId, at, shared) => loadStanding(db, workspaceId, at, shared),
    decide: (change, standing, db) => onBalanceChange(change, standing, db),
  });
}

/** Writes only when the state crossed: the line is of the period's grants, this transaction's included. */
async function onBalanceChange(change: BalanceChange, standing: AlertStanding, db: Db): Promise<void> {
  const granted = standing.granted + grantedInPeriod(change.grantsAdded, standing.period);
  const line = lowCreditLine(standing.threshold, granted);
  // Never announced: where it stood before this transaction is the state to cross from.
  const from = standing.state ?? creditState(change.before, line);
  await announce(
    db,
    change.workspaceId,
    standing.state,
    from,
    creditState(change.after, line),
    change.after,
    line,
    change.at,
  );
}

/** The workspace's own threshold, or the default. */
export async function getThreshold({
  ctx,
  input,
}: Call<Context, { workspaceId: string }>): Promise<LowCreditThreshold> {
  return (await loadAlertRow(ctx.store.db, input.workspaceId)).threshold;
}

export async function viewThreshold({ ctx, input }: Call<Context, { workspaceId: string }>): Promise<ThresholdView> {
  const now = ctx.clock();
  const { store } = ctx;
  const { workspaceId } = input;
  const available = await store.snapshot((reader) => availableNow(reader, workspaceId, now));
  const standing = await loadStanding(store.db, workspaceId, now);
  const line = lowCreditLine(standing.threshold, standing.granted);
  return {
    threshold: standing.threshold,
    isDefault: standing.isDefault,
    line,
    available,
    state: creditState(available, line),
  };
}

/**
 * Sets the workspace's threshold (null: back to the default). A threshold that now puts the
 * balance on the other side of the line is a crossing like any other and is announced at once.
 */
export async function setThreshold({
  ctx,
  input,
}: Call<Context, { workspaceId: string; threshold: LowCreditThreshold | null }>): Promise<ThresholdView> {
  const now = ctx.clock();
  const { workspaceId, threshold } = input;
  const stored = threshold ? thresholdToRow(threshold) : null;
  return ctx.store.transaction(async (tx, trx) => {
    await tx.lockAccount(workspaceId);
    const available = await availableNow(tx, workspaceId, now);
    const standing = await loadStanding(trx, workspaceId, now);
    const from = standing.state ?? creditState(available, lowCreditLine(standing.threshold, standing.granted));
    await trx
      .insertInto('alert_states')
      .values({
        workspace_id: workspaceId,
        state: standing.state,
        threshold_kind: stored?.kind ?? null,
        threshold_value: stored?.value ?? null,
        updated_at: now.getTime(),
      })
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet({
          threshold_kind: stored?.kind ?? null,
          threshold_value: stored?.value ?? null,
          updated_at: now.getTime(),
        }),
      )
      .execute();
    const next = threshold ?? DEFAULT_LOW_CREDIT_THRESHOLD;
    const line = lowCreditLine(next, standing.granted);
    const to = creditState(available, line);
    await announce(trx, workspaceId, standing.state, from, to, available, line, now);
    return { threshold: next, isDefault: threshold === null, line, available, state: to };
  });
}

async function announce(
  db: Db,
  workspaceId: string,
  announced: CreditState | null,
  from: CreditState,
  to: CreditState,
  available: Millicredits,
  line: Millicredits,
  at: Date,
): Promise<void> {
  if (from === to) return;
  const events = crossingEvents(from, to, announced !== null);
  // Nothing announced yet and still nothing to announce: the next change crosses from where it stands then.
  if (announced === null && events.length === 0) return;
  await db
    .insertInto('alert_states')
    .values({
      workspace_id: workspaceId,
      state: to,
      threshold_kind: null,
      threshold_value: null,
      updated_at: at.getTime(),
    })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ state: to, updated_at: at.getTime() }))
    .execute();
  const data = {
    available: millicreditsToCredits(available),
    threshold: millicreditsToCredits(line),
    state: to,
    previousState: from,
  };
  for (const type of events) {
    await recordEvent({ ctx: { db, now: at }, input: { workspaceId, type, data } });
  }
}

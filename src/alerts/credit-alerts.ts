import { type Kysely, sql } from 'kysely';
import { type Millicredits, millicreditsToCredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { liveRemaining } from '../domain/grants.ts';
import { DEFAULT_LOW_CREDIT_THRESHOLD, type LowCreditThreshold, lowCreditLine } from '../domain/low-credit.ts';
import { periodAt } from '../domain/periods.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Database } from '../store/schema.ts';
import type { BalanceChange, LedgerTx, Store } from '../store/store.ts';
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

interface AlertRow {
  periodAnchor: Date;
  /** The last state announced; null before the first. */
  state: CreditState | null;
  threshold: LowCreditThreshold;
  isDefault: boolean;
  /** Grants taking effect within a month either side of now: every one the current period can hold. */
  nearbyGrants: { amount: Millicredits; effectiveAt: number }[];
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

const MONTH_OR_MORE_MS = 32 * 24 * 3600_000;

interface AlertQueryRow {
  period_anchor: number;
  state: CreditState | null;
  threshold_kind: 'share' | 'absolute' | null;
  threshold_value: number | null;
  amount: number | null;
  effective_at: number | null;
}

/**
 * Everything a crossing needs in one query, since it runs in every ledger transaction. Written as SQL
 * rather than with the query builder: building this join costs more than SQLite takes to run it.
 */
async function loadAlertRow(db: Kysely<Database>, workspaceId: string, now: Date): Promise<AlertRow> {
  const { rows } = await sql<AlertQueryRow>`
    select w.period_anchor, a.state, a.threshold_kind, a.threshold_value, g.amount, g.effective_at
    from workspaces w
    left join alert_states a on a.workspace_id = w.id
    left join grants g on g.workspace_id = w.id
      and g.effective_at > ${now.getTime() - MONTH_OR_MORE_MS} and g.effective_at < ${now.getTime() + MONTH_OR_MORE_MS}
    where w.id = ${workspaceId}`.execute(db);
  const first = workspaceMustExist(rows[0], workspaceId);
  const own = thresholdFromRow(first.threshold_kind, first.threshold_value);
  return {
    periodAnchor: new Date(Number(first.period_anchor)),
    state: first.state,
    threshold: own ?? DEFAULT_LOW_CREDIT_THRESHOLD,
    isDefault: own === null,
    nearbyGrants: rows.flatMap((row) =>
      row.amount === null || row.effective_at === null
        ? []
        : [{ amount: Number(row.amount), effectiveAt: Number(row.effective_at) }],
    ),
  };
}

/** The threshold in millicredits now; a share is of what the current period granted, as GET /v1/balance counts it. */
function lineAt(row: AlertRow, threshold: LowCreditThreshold, now: Date): Millicredits {
  const period = periodAt(row.periodAnchor, now);
  const granted = row.nearbyGrants
    .filter((grant) => grant.effectiveAt >= period.start.getTime() && grant.effectiveAt < period.end.getTime())
    .reduce((sum, grant) => sum + grant.amount, 0);
  return lowCreditLine(threshold, granted);
}

export async function availableNow(tx: LedgerTx, workspaceId: string, now: Date): Promise<Millicredits> {
  const account = workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
  const [grants, held] = await Promise.all([tx.openGrants(workspaceId), tx.heldAmount(workspaceId, now)]);
  return liveRemaining(grants, now) - held - account.overageDebt;
}

/**
 * Low-credit alerts: each workspace's threshold, and the crossings of it. It watches every ledger
 * transaction (registered as the store's balance observer) and compares the workspace's state after
 * it with the state last announced, stored in `alert_states`. Both run under the workspace's account
 * lock inside that transaction, so each crossing is announced once, whichever process made it, and
 * its events reach the outbox in the same commit as the credits that moved.
 */
export class CreditAlerts {
  constructor(private readonly store: Store) {}

  /** Starts watching the ledger's transactions on this store. */
  observeLedger(): void {
    this.store.observeBalances('credit-alerts', {
      load: async () => undefined,
      decide: (change, _loaded, db) => this.onBalanceChange(change, db),
    });
  }

  async onBalanceChange(change: BalanceChange, trx: Kysely<Database>): Promise<void> {
    const row = await loadAlertRow(trx, change.workspaceId, change.at);
    const line = lineAt(row, row.threshold, change.at);
    // Never announced: where it stood before this transaction is the state to cross from.
    const from = row.state ?? creditState(change.before, line);
    await this.announce(
      trx,
      change.workspaceId,
      row,
      from,
      creditState(change.after, line),
      change.after,
      line,
      change.at,
    );
  }

  async thresholdOf(workspaceId: string): Promise<LowCreditThreshold> {
    const row = await this.store.db
      .selectFrom('alert_states')
      .select(['threshold_kind', 'threshold_value'])
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return (row && thresholdFromRow(row.threshold_kind, row.threshold_value)) ?? DEFAULT_LOW_CREDIT_THRESHOLD;
  }

  async view(workspaceId: string, now: Date): Promise<ThresholdView> {
    const available = await this.store.snapshot((reader) => availableNow(reader, workspaceId, now));
    const row = await loadAlertRow(this.store.db, workspaceId, now);
    const line = lineAt(row, row.threshold, now);
    return { threshold: row.threshold, isDefault: row.isDefault, line, available, state: creditState(available, line) };
  }

  /**
   * Sets the workspace's threshold (null: back to the default). A threshold that now puts the
   * balance on the other side of the line is a crossing like any other and is announced at once.
   */
  async setThreshold(workspaceId: string, threshold: LowCreditThreshold | null, now: Date): Promise<ThresholdView> {
    const stored = threshold ? thresholdToRow(threshold) : null;
    return this.store.transaction(async (tx, trx) => {
      const available = await availableNow(tx, workspaceId, now);
      const row = await loadAlertRow(trx, workspaceId, now);
      const from = row.state ?? creditState(available, lineAt(row, row.threshold, now));
      await trx
        .insertInto('alert_states')
        .values({
          workspace_id: workspaceId,
          state: row.state,
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
      const line = lineAt(row, next, now);
      const to = creditState(available, line);
      await this.announce(trx, workspaceId, row, from, to, available, line, now);
      return { threshold: next, isDefault: threshold === null, line, available, state: to };
    });
  }

  private async announce(
    trx: Kysely<Database>,
    workspaceId: string,
    row: AlertRow,
    from: CreditState,
    to: CreditState,
    available: Millicredits,
    line: Millicredits,
    at: Date,
  ): Promise<void> {
    if (from === to) return;
    const events = crossingEvents(from, to, row.state !== null);
    // Nothing announced yet and still nothing to announce: the next change crosses from where it stands then.
    if (row.state === null && events.length === 0) return;
    await trx
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
      await recordEvent(trx, workspaceId, type, data, at);
    }
  }
}

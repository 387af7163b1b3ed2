import type { Kysely, Selectable } from 'kysely';
import type { Millicredits } from '../../domain/amounts.ts';
import { calendarMonth } from '../../domain/auto-top-up.ts';
import type { AutoTopUpAttemptsTable, AutoTopUpStatus, Database } from '../../store/schema.ts';

/** The statuses of an attempt that bought, or is still buying: what the month's ceiling counts. */
export const BUYING_STATUSES: readonly AutoTopUpStatus[] = ['pending', 'paying', 'processing', 'succeeded'];

export interface TopUpSettings {
  enabled: boolean;
  threshold: Millicredits;
  pack: string;
  maxPerMonth: number;
  armed: boolean;
  crossings: number;
}

export interface TopUpAttempt {
  id: string;
  workspaceId: string;
  packId: string;
  packName: string;
  credits: Millicredits;
  validityMonths: number;
  /** The price in the currency's smallest unit. */
  amount: number;
  currency: string;
  status: AutoTopUpStatus;
  provider: 'stripe' | 'manual';
  paymentId: string | null;
  grantId: string | null;
  error: string | null;
  actionUrl: string | null;
  createdAt: Date;
  paidAt: Date | null;
}

export function attemptOf(row: Selectable<AutoTopUpAttemptsTable>): TopUpAttempt {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    packId: row.pack_id,
    packName: row.pack_name,
    credits: Number(row.credits),
    validityMonths: Number(row.validity_months),
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    provider: row.payment_provider,
    paymentId: row.payment_id,
    grantId: row.grant_id,
    error: row.error,
    actionUrl: row.action_url,
    createdAt: new Date(Number(row.created_at)),
    paidAt: row.paid_at === null ? null : new Date(Number(row.paid_at)),
  };
}

export async function findSettings(db: Kysely<Database>, workspaceId: string): Promise<TopUpSettings | null> {
  const row = await db
    .selectFrom('auto_top_ups')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    enabled: Number(row.enabled) === 1,
    threshold: Number(row.threshold),
    pack: row.pack,
    maxPerMonth: Number(row.max_per_month),
    armed: Number(row.armed) === 1,
    crossings: Number(row.crossings),
  };
}

/** Saves new settings and arms them: the next fall below the threshold is a crossing. */
export async function saveSettings(
  db: Kysely<Database>,
  workspaceId: string,
  settings: Pick<TopUpSettings, 'enabled' | 'threshold' | 'pack' | 'maxPerMonth'>,
  now: Date,
): Promise<void> {
  const values = {
    enabled: settings.enabled ? 1 : 0,
    threshold: settings.threshold,
    pack: settings.pack,
    max_per_month: settings.maxPerMonth,
    armed: 1,
    updated_at: now.getTime(),
  };
  await db
    .insertInto('auto_top_ups')
    .values({ workspace_id: workspaceId, crossings: 0, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

export async function setArmed(db: Kysely<Database>, workspaceId: string, armed: boolean, now: Date): Promise<void> {
  await db
    .updateTable('auto_top_ups')
    .set({ armed: armed ? 1 : 0, updated_at: now.getTime() })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/**
 * Takes the crossing: disarms and numbers it. Called under the workspace's account lock, so deciders
 * of one workspace are serial; the attempt's unique (workspace, crossing) key refuses a second
 * attempt for the same number whatever happens.
 */
export async function takeCrossing(db: Kysely<Database>, workspaceId: string, now: Date): Promise<number> {
  const row = await db
    .updateTable('auto_top_ups')
    .set((eb) => ({ armed: 0, crossings: eb('crossings', '+', 1), updated_at: now.getTime() }))
    .where('workspace_id', '=', workspaceId)
    .returning('crossings')
    .executeTakeFirstOrThrow();
  return Number(row.crossings);
}

export async function countBoughtInMonth(db: Kysely<Database>, workspaceId: string, at: Date): Promise<number> {
  const month = calendarMonth(at);
  const row = await db
    .selectFrom('auto_top_up_attempts')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', month.start.getTime())
    .where('created_at', '<', month.end.getTime())
    .where('status', 'in', BUYING_STATUSES)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The attempts that were paid and granted, newest first: what the billing history lists. */
export async function listPaidAttempts(db: Kysely<Database>, workspaceId: string): Promise<TopUpAttempt[]> {
  const rows = await db
    .selectFrom('auto_top_up_attempts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'succeeded')
    .orderBy('paid_at', 'desc')
    .execute();
  return rows.map(attemptOf);
}

export async function insertAttempt(
  db: Kysely<Database>,
  attempt: Omit<TopUpAttempt, 'paymentId' | 'grantId' | 'error' | 'actionUrl' | 'paidAt' | 'status'>,
  crossing: number,
): Promise<void> {
  await db
    .insertInto('auto_top_up_attempts')
    .values({
      id: attempt.id,
      workspace_id: attempt.workspaceId,
      crossing,
      pack_id: attempt.packId,
      pack_name: attempt.packName,
      credits: attempt.credits,
      validity_months: attempt.validityMonths,
      amount: attempt.amount,
      currency: attempt.currency,
      status: 'pending',
      payment_provider: attempt.provider,
      payment_id: null,
      grant_id: null,
      error: null,
      action_url: null,
      lease_until: null,
      created_at: attempt.createdAt.getTime(),
      paid_at: null,
      updated_at: attempt.createdAt.getTime(),
    })
    .execute();
}

export async function findAttempt(db: Kysely<Database>, id: string): Promise<TopUpAttempt | null> {
  const row = await db.selectFrom('auto_top_up_attempts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? attemptOf(row) : null;
}

export async function lastAttempt(db: Kysely<Database>, workspaceId: string): Promise<TopUpAttempt | null> {
  const row = await db
    .selectFrom('auto_top_up_attempts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('crossing', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? attemptOf(row) : null;
}

/**
 * Claims up to `limit` attempts to pay: pending ones, and `paying` ones whose payer's lease ran out
 * (it died mid-call; paying again is safe, the payment's idempotency key is the attempt id).
 */
export async function claimDue(
  db: Kysely<Database>,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<TopUpAttempt[]> {
  const candidates = await db
    .selectFrom('auto_top_up_attempts')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([eb('status', '=', 'paying'), eb('lease_until', '<', now.getTime())]),
      ]),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute();
  const claimed: TopUpAttempt[] = [];
  for (const { id } of candidates) {
    const row = await db
      .updateTable('auto_top_up_attempts')
      .set({ status: 'paying', lease_until: now.getTime() + leaseMs, updated_at: now.getTime() })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'pending'),
          eb.and([eb('status', '=', 'paying'), eb('lease_until', '<', now.getTime())]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (row) claimed.push(attemptOf(row));
  }
  return claimed;
}

/** Moves an attempt on, only from the statuses given: a later, final word (a webhook) is never overwritten. */
export async function moveAttempt(
  db: Kysely<Database>,
  id: string,
  from: readonly AutoTopUpStatus[],
  changes: Partial<{
    status: AutoTopUpStatus;
    payment_id: string | null;
    grant_id: string | null;
    error: string | null;
    action_url: string | null;
    paid_at: number | null;
  }>,
  now: Date,
): Promise<boolean> {
  const row = await db
    .updateTable('auto_top_up_attempts')
    .set({ ...changes, lease_until: null, updated_at: now.getTime() })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

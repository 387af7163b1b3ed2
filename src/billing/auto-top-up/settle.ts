import type { Grant } from '../../domain/grants.ts';
import { addMonthsClamped } from '../../domain/periods.ts';
import { AccountState } from '../../ledger/account-state.ts';
import type { Call, TxContext } from '../../ledger/context.ts';
import { addGrant } from '../../ledger/grant-credits.ts';
import type { AutoTopUpStatus } from '../../store/schema.ts';
import type { AutoTopUpEvents } from './events.ts';
import { findAttempt, moveAttempt, type TopUpAttempt } from './rows.ts';

/** A step settling an attempt inside the caller's transaction, telling its outcome to `events`. */
export interface SettleContext extends TxContext {
  readonly events: AutoTopUpEvents;
}

export const topUpGrantId = (attemptId: string): string => `auto-top-up:${attemptId}`;

/** Statuses an attempt can still leave: money may yet arrive, or the payment may yet fail. */
const OPEN: readonly AutoTopUpStatus[] = ['pending', 'paying', 'processing'];

/**
 * The money arrived: grants the pack once. The grant id is the attempt's, so a redelivered event or
 * a racing second delivery finds the grant. Money that arrives after the attempt was marked failed
 * (a late success) is still granted: credits follow payment.
 */
export async function grantPaidAttempt({
  ctx,
  input,
}: Call<SettleContext, { attemptId: string; paymentId: string }>): Promise<Grant | null> {
  const { tx, db, now, events } = ctx;
  const { attemptId, paymentId } = input;
  const found = await findAttempt(db, attemptId);
  if (!found) return null;
  const state = await AccountState.open(tx, found.workspaceId, now);
  // Read again under the workspace's lock: a concurrent grant of this attempt has committed or not.
  const attempt = (await findAttempt(db, attemptId)) ?? found;
  if (attempt.status === 'succeeded') {
    await state.flush();
    return null;
  }
  const { grant } = await addGrant({
    ctx: { tx, now, state },
    input: {
      workspaceId: attempt.workspaceId,
      id: topUpGrantId(attempt.id),
      amount: attempt.credits,
      source: 'purchase',
      reason:
        attempt.provider === 'stripe'
          ? `${attempt.packName} pack bought by auto top-up (Stripe ${paymentId})`
          : `${attempt.packName} pack bought by auto top-up, granted without payment (${attempt.id}): to invoice`,
      expiresAt: addMonthsClamped(now, attempt.validityMonths),
    },
  });
  await moveAttempt(
    db,
    attempt.id,
    [...OPEN, 'failed', 'requires_action'],
    { status: 'succeeded', payment_id: paymentId, grant_id: grant.id, paid_at: now.getTime(), error: null },
    now,
  );
  await state.flush();
  await events.autoTopUpSucceeded?.(
    {
      workspaceId: attempt.workspaceId,
      attemptId: attempt.id,
      packId: attempt.packId,
      credits: grant.amount,
      grantId: grant.id,
    },
    { trx: db, at: now },
  );
  return grant;
}

/** The payment failed or needs the customer: recorded once, with its webhook; never retried by itself. */
export async function failAttempt({
  ctx,
  input,
}: Call<
  Omit<SettleContext, 'tx'>,
  {
    attempt: TopUpAttempt;
    outcome: {
      status: 'failed' | 'requires_action';
      error: string;
      actionUrl?: string | null;
      paymentId?: string | null;
    };
  }
>): Promise<boolean> {
  const { db, now, events } = ctx;
  const { attempt, outcome } = input;
  const moved = await moveAttempt(
    db,
    attempt.id,
    OPEN,
    {
      status: outcome.status,
      error: outcome.error,
      action_url: outcome.actionUrl ?? null,
      ...(outcome.paymentId ? { payment_id: outcome.paymentId } : {}),
    },
    now,
  );
  if (moved) {
    await events.autoTopUpFailed?.(
      {
        workspaceId: attempt.workspaceId,
        attemptId: attempt.id,
        packId: attempt.packId,
        error: outcome.error,
        actionUrl: outcome.actionUrl ?? null,
      },
      { trx: db, at: now },
    );
  }
  return moved;
}

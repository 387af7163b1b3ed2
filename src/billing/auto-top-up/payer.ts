import { millicreditsToCredits } from '../../domain/amounts.ts';
import type { Store } from '../../store/store.ts';
import type { StripePayments } from '../stripe/stripe-payments.ts';
import type { StripeTopUps } from '../stripe/stripe-top-ups.ts';
import { findSubscription } from '../subscription-rows.ts';
import type { AutoTopUpEvents } from './events.ts';
import { claimDue, moveAttempt, type TopUpAttempt } from './rows.ts';
import { failAttempt, grantPaidAttempt } from './settle.ts';

/** How long a payer owns an attempt it claimed before another may take it over. */
export const PAYER_LEASE_MS = 60_000;
const BATCH = 20;

export interface PayerContext {
  store: Store;
  events: AutoTopUpEvents;
  /** Null without Stripe keys: Stripe attempts then fail with a message saying so. */
  stripe: { topUps: StripeTopUps; checkout: StripePayments } | null;
  /** Where a Checkout started for a card that needs authentication returns: the dashboard's upgrade page. */
  returnUrl: string;
  now: Date;
  /** Told of each attempt left to a later round (Stripe unreachable), so the operator sees why. */
  onError?: (error: unknown) => void;
}

export interface PayRound {
  claimed: number;
  /** Attempts left claimed because Stripe could not be reached: another round takes them after the lease. */
  unreachable: number;
}

/**
 * One round of paying the attempts the ledger decided: `manual` grants at once; `stripe` charges the
 * saved card off-session (the webhook grants). Any number of processes may run rounds: a claim is a
 * conditional update, and a claim whose payer died is taken over after its lease.
 */
export async function payDue(context: PayerContext): Promise<PayRound> {
  const claimed = await claimDue(context.store.db, context.now, PAYER_LEASE_MS, BATCH);
  let unreachable = 0;
  for (const attempt of claimed) {
    try {
      await payOne(context, attempt);
    } catch (error) {
      unreachable++;
      context.onError?.(error);
    }
  }
  return { claimed: claimed.length, unreachable };
}

async function payOne(context: PayerContext, attempt: TopUpAttempt): Promise<void> {
  const { store, events, now } = context;
  if (attempt.provider === 'manual') {
    await store.transaction((tx, db) => grantPaidAttempt({ tx, db, now }, events, attempt.id, `manual:${attempt.id}`));
    return;
  }
  const fail = (
    status: 'failed' | 'requires_action',
    error: string,
    extra: { actionUrl?: string; paymentId?: string | null } = {},
  ) => store.transaction((_tx, db) => failAttempt({ db, now }, events, attempt, { status, error, ...extra }));
  if (!context.stripe) {
    await fail('failed', 'Stripe is not configured on this Tally, so the saved card cannot be charged.');
    return;
  }
  const { topUps, checkout } = context.stripe;
  const customerId = (await findSubscription(store.db, attempt.workspaceId))?.stripeCustomerId ?? null;
  const card = customerId ? await topUps.savedCard(customerId) : null;
  if (!customerId || !card) {
    await fail('failed', 'No saved card: pay once through Stripe Checkout (a plan or a pack) to save one.');
    return;
  }
  const outcome = await topUps.charge({
    attemptId: attempt.id,
    workspaceId: attempt.workspaceId,
    customerId,
    paymentMethodId: card,
    amount: attempt.amount,
    currency: attempt.currency,
    description: `${attempt.packName} (auto top-up)`,
  });
  if (outcome.kind === 'accepted') {
    // The webhook may have granted already: only a payment still being made moves to waiting for it.
    await moveAttempt(
      store.db,
      attempt.id,
      ['paying'],
      { status: 'processing', payment_id: outcome.paymentIntentId },
      now,
    );
    return;
  }
  if (outcome.kind === 'declined') {
    await fail('failed', outcome.error, { paymentId: outcome.paymentIntentId });
    return;
  }
  // The same pack through Checkout, where the customer can authenticate; its own webhook grants it.
  const session = await checkout.checkoutForPack({
    workspaceId: attempt.workspaceId,
    pack: {
      id: attempt.packId,
      name: attempt.packName,
      credits: millicreditsToCredits(attempt.credits),
      price: attempt.amount / 100,
      currency: attempt.currency,
      validityMonths: attempt.validityMonths,
    },
    credits: attempt.credits,
    customerId,
    returnUrl: context.returnUrl,
    idempotencyKey: attempt.id,
  });
  await fail('requires_action', outcome.error, { actionUrl: session.url, paymentId: outcome.paymentIntentId });
}

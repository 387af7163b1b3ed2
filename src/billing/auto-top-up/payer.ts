import { millicreditsToCredits } from '../../domain/amounts.ts';
import type { BillingContext } from '../context.ts';
import { findSubscription } from '../subscription-rows.ts';
import { claimDue, moveAttempt, type TopUpAttempt } from './rows.ts';
import { failAttempt, grantPaidAttempt } from './settle.ts';

/** How long a payer owns an attempt it claimed before another may take it over. */
export const PAYER_LEASE_MS = 60_000;
const BATCH = 20;
const DEFAULT_POLL_MS = 2_000;

/** What paying runs on: without Stripe (`stripe` null), Stripe attempts fail with a message saying so. */
export type PayerContext = Pick<BillingContext, 'store' | 'clock' | 'events' | 'stripe'>;

export interface PayerInput {
  /** Where a Checkout started for a card that needs authentication returns: the dashboard's upgrade page. */
  returnUrl: string;
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
export async function payDue({ ctx, input }: { ctx: PayerContext; input: PayerInput }): Promise<PayRound> {
  const now = ctx.clock();
  const claimed = await claimDue(ctx.store.db, now, PAYER_LEASE_MS, BATCH);
  let unreachable = 0;
  for (const attempt of claimed) {
    try {
      await payOne(ctx, input.returnUrl, now, attempt);
    } catch (error) {
      unreachable++;
      input.onError?.(error);
    }
  }
  return { claimed: claimed.length, unreachable };
}

async function payOne(ctx: PayerContext, returnUrl: string, now: Date, attempt: TopUpAttempt): Promise<void> {
  const { store, events } = ctx;
  if (attempt.provider === 'manual') {
    await store.transaction((tx, db) =>
      grantPaidAttempt({
        ctx: { tx, db, now, events },
        input: { attemptId: attempt.id, paymentId: `manual:${attempt.id}` },
      }),
    );
    return;
  }
  const fail = (
    status: 'failed' | 'requires_action',
    error: string,
    extra: { actionUrl?: string; paymentId?: string | null } = {},
  ) =>
    store.transaction((_tx, db) =>
      failAttempt({ ctx: { db, now, events }, input: { attempt, outcome: { status, error, ...extra } } }),
    );
  if (!ctx.stripe) {
    await fail('failed', 'Stripe is not configured on this Tally, so the saved card cannot be charged.');
    return;
  }
  const { topUps, payments } = ctx.stripe;
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
  const session = await payments.checkoutForPack({
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
    returnUrl,
    idempotencyKey: attempt.id,
  });
  await fail('requires_action', outcome.error, { actionUrl: session.url, paymentId: outcome.paymentIntentId });
}

/** Pays decided attempts in the background, a round every `pollMs`, until `stop`; every process may run one. */
export class AutoTopUpPayer {
  private readonly ctx: PayerContext;
  private readonly input: PayerInput & { onError: (error: unknown) => void };
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(options: {
    ctx: PayerContext;
    returnUrl: string;
    onError: (error: unknown) => void;
    /** How often an idle payer looks for attempts to pay. */
    pollMs?: number;
  }) {
    this.ctx = options.ctx;
    this.input = { returnUrl: options.returnUrl, onError: options.onError };
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = payDue({ ctx: this.ctx, input: this.input })
        .then(() => undefined)
        .catch(this.input.onError)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.pollMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

import type { Stripe } from 'stripe';
import type { Call } from '../../ledger/context.ts';
import { ATTEMPT_META } from '../stripe/stripe-top-ups.ts';
import { findAttempt } from './rows.ts';
import { failAttempt, grantPaidAttempt, type SettleContext } from './settle.ts';

/**
 * A PaymentIntent event for an auto top-up, inside the transaction that claims the Stripe event:
 * `payment_intent.succeeded` grants the pack (once, by the attempt's grant id),
 * `payment_intent.payment_failed` marks the attempt failed. A card that needs authentication is left
 * to the payer, which answers it with a Checkout link.
 */
export async function settlePaymentIntent({
  ctx,
  input,
}: Call<
  SettleContext,
  { type: 'payment_intent.succeeded' | 'payment_intent.payment_failed'; intent: Stripe.PaymentIntent }
>): Promise<string> {
  const { type, intent } = input;
  const attemptId = intent.metadata?.[ATTEMPT_META];
  if (!attemptId) return 'ignored: not an auto top-up';
  const attempt = await findAttempt(ctx.db, attemptId);
  if (!attempt) return `ignored: no auto top-up ${attemptId}`;
  if (type === 'payment_intent.succeeded') {
    const grant = await grantPaidAttempt({ ctx, input: { attemptId: attempt.id, paymentId: intent.id } });
    return grant ? `auto top-up ${attempt.id}: granted ${grant.amount} millicredits (${grant.id})` : 'already granted';
  }
  const error = intent.last_payment_error;
  if (error?.code === 'authentication_required') return `auto top-up ${attempt.id}: requires action`;
  const failed = await failAttempt({
    ctx,
    input: {
      attempt,
      outcome: { status: 'failed', error: error?.message ?? 'The payment failed.', paymentId: intent.id },
    },
  });
  return failed ? `auto top-up ${attempt.id}: failed` : `auto top-up ${attempt.id}: already settled`;
}

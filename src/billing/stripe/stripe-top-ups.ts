import { Stripe } from 'stripe';
import { calling, clientOptions, META, type StripeSettings } from './stripe-payments.ts';

/** Metadata naming the auto top-up attempt a PaymentIntent pays, read back from Stripe's events. */
export const ATTEMPT_META = 'tally_auto_top_up';
export const AUTO_TOP_UP_KIND = 'auto_top_up';

export type OffSessionOutcome =
  /** Stripe took the payment (or is processing it): `payment_intent.succeeded` grants the credits. */
  | { kind: 'accepted'; paymentIntentId: string }
  | { kind: 'declined'; paymentIntentId: string | null; error: string }
  /** The bank wants the customer present (3-D Secure): an off-session payment cannot do it. */
  | { kind: 'requires_action'; paymentIntentId: string | null; error: string };

/** Off-session payments with the customer's saved card, through the official SDK. */
export class StripeTopUps {
  private readonly client: Stripe;

  constructor(settings: StripeSettings) {
    this.client = new Stripe(settings.secretKey, clientOptions(settings.apiUrl));
  }

  /** The customer's saved card, if any. */
  async savedCard(customerId: string): Promise<string | null> {
    const cards = await calling('read the saved card', () =>
      this.client.customers.listPaymentMethods(customerId, { type: 'card', limit: 1 }),
    );
    return cards.data[0]?.id ?? null;
  }

  /**
   * Charges the saved card without the customer present. The attempt id is the idempotency key, so a
   * payer that dies mid-call and is replaced pays once. A refusal by the card is an outcome; Stripe
   * being unreachable throws, and the attempt is tried again with the same key.
   */
  async charge(input: {
    attemptId: string;
    workspaceId: string;
    customerId: string;
    paymentMethodId: string;
    amount: number;
    currency: string;
    description: string;
  }): Promise<OffSessionOutcome> {
    try {
      const intent = await this.client.paymentIntents.create(
        {
          amount: input.amount,
          currency: input.currency,
          customer: input.customerId,
          payment_method: input.paymentMethodId,
          off_session: true,
          confirm: true,
          description: input.description,
          metadata: {
            [META.workspace]: input.workspaceId,
            [META.kind]: AUTO_TOP_UP_KIND,
            [ATTEMPT_META]: input.attemptId,
          },
        },
        { idempotencyKey: input.attemptId },
      );
      return { kind: 'accepted', paymentIntentId: intent.id };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        const paymentIntentId = error.payment_intent?.id ?? null;
        return error.code === 'authentication_required'
          ? { kind: 'requires_action', paymentIntentId, error: error.message }
          : { kind: 'declined', paymentIntentId, error: error.message };
      }
      // A request Stripe will never accept (no such customer, a bad card) is a failure, not something to retry.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        return { kind: 'declined', paymentIntentId: null, error: error.message };
      }
      return calling('charge the saved card', () => Promise.reject(error));
    }
  }
}

import { randomBytes } from 'node:crypto';
import type { Stripe } from 'stripe';

/**
 * The PaymentIntents part of the fake Stripe: customers with saved cards, and off-session payments
 * as Stripe documents them (https://docs.stripe.com/payments/save-and-reuse, "charge the saved
 * payment method later"). Objects are typed with the `stripe` SDK's own types. Stripe's test cards
 * decide the outcome: `pm_card_visa` succeeds, `pm_card_chargeDeclined` is declined
 * (`card_declined`), `pm_card_authenticationRequired` needs the customer (`authentication_required`);
 * a refusal is a 402 card_error carrying the PaymentIntent, and `payment_intent.payment_failed` follows.
 */

export const TEST_CARDS = {
  visa: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  authenticationRequired: 'pm_card_authenticationRequired',
} as const;

type Json = Record<string, unknown>;

/** The fields of a Charge that Tally reads (the receipt, for the billing history). */
export type FakeCharge = Pick<Stripe.Charge, 'id' | 'object' | 'amount' | 'currency' | 'paid' | 'receipt_url'> & {
  payment_intent: string;
};

export interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  payment_intent?: Stripe.PaymentIntent;
}

export class PaymentIntentError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export type StripeEventSink = (
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed',
  object: Json,
) => void;

const seconds = (at: Date): number => Math.floor(at.getTime() / 1000);
const id = (prefix: string): string =>
  `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, '').slice(0, 24)}`;

const invalid = (message: string, param: string, code = 'parameter_invalid_empty') =>
  new PaymentIntentError(400, { type: 'invalid_request_error', code, message, param });

/** Stripe's smallest charge in the currencies Tally's catalog uses: 50 cents. */
const MINIMUM_AMOUNT = 50;

export class FakePaymentIntents {
  /** Saved cards per customer, newest first, as `GET /v1/customers/{id}/payment_methods` lists them. */
  readonly cards = new Map<string, string[]>();
  readonly intents = new Map<string, Stripe.PaymentIntent>();
  /** The charge behind each paid intent, with the receipt Stripe hosts for it. */
  readonly charges = new Map<string, FakeCharge>();

  constructor(
    private readonly now: () => Date,
    private readonly send: StripeEventSink,
    private readonly receiptBaseUrl: string,
  ) {}

  /** A Checkout Session in payment mode was paid: its PaymentIntent succeeded, with a charge and a receipt. */
  paidByCheckout(customer: string, amount: number, currency: string): Stripe.PaymentIntent {
    const intent = this.intent({ currency }, amount, customer, TEST_CARDS.visa);
    Object.assign(intent, { status: 'succeeded', amount_received: amount, latest_charge: this.charge(intent) });
    this.intents.set(intent.id, intent);
    return intent;
  }

  /** GET /v1/payment_intents/{id}: `latest_charge` is the charge's id unless `expand` asks for the object. */
  retrieve(intentId: string, params: Json): Json {
    const intent = this.intents.get(intentId);
    if (!intent) {
      throw new PaymentIntentError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such payment_intent: '${intentId}'`,
        param: 'intent',
      });
    }
    const charge = typeof intent.latest_charge === 'string' ? this.charges.get(intent.latest_charge) : undefined;
    const expand = params.expand as string[] | undefined;
    return expand?.includes('latest_charge') && charge ? { ...intent, latest_charge: charge } : { ...intent };
  }

  /** A customer who paid through Checkout has their card saved; `card` replaces it with another test card. */
  saveCard(customerId: string, card: string = TEST_CARDS.visa): void {
    this.cards.set(customerId, [card]);
  }

  listPaymentMethods(customerId: string, params: Json): Stripe.ApiList<Stripe.PaymentMethod> {
    const cards = this.cards.get(customerId);
    if (!cards) {
      throw new PaymentIntentError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such customer: '${customerId}'`,
        param: 'customer',
      });
    }
    if (params.type !== undefined && params.type !== 'card') return this.list(customerId, []);
    const limit = params.limit === undefined ? 10 : Number(params.limit);
    return this.list(
      customerId,
      cards.slice(0, limit).map((card) => this.paymentMethod(card, customerId)),
    );
  }

  /** POST /v1/payment_intents with `confirm: true, off_session: true`, as Tally sends it. */
  create(params: Json): Stripe.PaymentIntent {
    const amount = Number(params.amount);
    if (params.amount === undefined) throw invalid('Missing required param: amount.', 'amount', 'parameter_missing');
    if (!Number.isInteger(amount)) throw invalid('Invalid integer: amount.', 'amount', 'parameter_invalid_integer');
    if (amount < MINIMUM_AMOUNT) {
      throw invalid('Amount must be at least $0.50 usd', 'amount', 'amount_too_small');
    }
    if (!params.currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    const offSession = params.off_session === 'true';
    const confirm = params.confirm === 'true';
    if (params.off_session !== undefined && !confirm) {
      throw invalid(
        'You can only pass `off_session` when `confirm` is set to true.',
        'off_session',
        'parameter_unknown',
      );
    }
    const customer = typeof params.customer === 'string' ? params.customer : null;
    const card = typeof params.payment_method === 'string' ? params.payment_method : null;
    if (customer && !this.cards.has(customer)) {
      throw new PaymentIntentError(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such customer: '${customer}'`,
        param: 'customer',
      });
    }
    if (card && customer && !this.cards.get(customer)?.includes(card)) {
      throw invalid(
        `The provided PaymentMethod ${card} does not belong to the Customer ${customer}.`,
        'payment_method',
        'payment_method_invalid_parameter',
      );
    }
    if (offSession && (!customer || !card)) {
      throw invalid(
        'An off-session payment needs a customer and one of their saved payment methods.',
        'payment_method',
      );
    }
    const intent = this.intent(params, amount, customer, card);
    this.intents.set(intent.id, intent);
    if (!confirm) return intent;
    if (card === TEST_CARDS.declined)
      return this.refuse(intent, 'card_declined', 'Your card was declined.', 'generic_decline');
    if (card === TEST_CARDS.authenticationRequired) {
      return this.refuse(
        intent,
        'authentication_required',
        'Your card was declined. This transaction requires authentication.',
        'authentication_required',
      );
    }
    Object.assign(intent, { status: 'succeeded', amount_received: amount, latest_charge: this.charge(intent) });
    this.send('payment_intent.succeeded', { ...intent });
    return intent;
  }

  private charge(intent: Stripe.PaymentIntent): string {
    const chargeId = id('ch');
    this.charges.set(chargeId, {
      id: chargeId,
      object: 'charge',
      amount: intent.amount,
      currency: intent.currency,
      paid: true,
      payment_intent: intent.id,
      receipt_url: `${this.receiptBaseUrl}/receipts/${chargeId}`,
    });
    return chargeId;
  }

  private refuse(intent: Stripe.PaymentIntent, code: string, message: string, declineCode: string): never {
    const error: Stripe.PaymentIntent.LastPaymentError = {
      type: 'card_error',
      code,
      decline_code: declineCode,
      message,
      doc_url: `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`,
    };
    Object.assign(intent, { status: 'requires_payment_method', last_payment_error: error, latest_charge: id('ch') });
    this.send('payment_intent.payment_failed', { ...intent });
    throw new PaymentIntentError(402, {
      type: 'card_error',
      code,
      decline_code: declineCode,
      message,
      payment_intent: { ...intent },
    });
  }

  private intent(params: Json, amount: number, customer: string | null, card: string | null): Stripe.PaymentIntent {
    return {
      id: id('pi'),
      object: 'payment_intent',
      allowed_payment_method_types: null,
      amount,
      amount_capturable: 0,
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic',
      client_secret: `${id('pi')}_secret_${id('s')}`,
      confirmation_method: 'automatic',
      created: seconds(this.now()),
      currency: String(params.currency),
      customer,
      customer_account: null,
      description: typeof params.description === 'string' ? params.description : null,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      managed_payments: null,
      metadata: (params.metadata as Record<string, string> | undefined) ?? {},
      next_action: null,
      on_behalf_of: null,
      payment_method: card,
      payment_method_configuration_details: null,
      payment_method_options: null,
      payment_method_types: ['card'],
      payment_record: null,
      processing: null,
      receipt_email: null,
      review: null,
      setup_future_usage: null,
      shipping: null,
      source: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'requires_confirmation',
      transfer_group: null,
    };
  }

  private paymentMethod(card: string, customer: string): Stripe.PaymentMethod {
    return {
      id: card,
      object: 'payment_method',
      billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
      created: seconds(this.now()),
      customer,
      customer_account: null,
      livemode: false,
      metadata: {},
      type: 'card',
    };
  }

  private list(customerId: string, data: Stripe.PaymentMethod[]): Stripe.ApiList<Stripe.PaymentMethod> {
    return { object: 'list', data, has_more: false, url: `/v1/customers/${customerId}/payment_methods` };
  }
}

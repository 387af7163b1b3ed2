import { listStripePayments } from '../stripe/stripe-payment-rows.ts';
import type { HistorySource } from './billing-history.ts';

/** Stripe's zero-decimal currencies: their smallest unit is the unit itself (https://docs.stripe.com/currencies). */
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));

export function fromSmallestUnit(amount: number, currency: string): number {
  return ZERO_DECIMAL.has(currency) ? amount : amount / 100;
}

/** The money Stripe took, each payment with its hosted invoice or receipt. */
export const stripePayments: HistorySource = async ({ ctx, input }) =>
  (await listStripePayments(ctx.store.replica.db, input.workspaceId)).map((payment) => ({
    id: payment.id,
    at: payment.at,
    kind: 'payment',
    description: payment.description,
    credits: 0,
    amount: { value: fromSmallestUnit(payment.amount, payment.currency), currency: payment.currency },
    documentUrl: payment.documentUrl,
  }));

import { TallyError } from '../domain/errors.ts';

/**
 * Who takes the money for plans and packs (TALLY_PAYMENTS). `stripe`: Stripe Checkout, credits when
 * paid. `manual`: the operator bills outside Tally, so a workspace's own purchases and plan changes
 * are granted at once and listed for invoicing. `off`: only the operator changes plans and grants packs.
 */
export const PAYMENTS_MODES = ['stripe', 'manual', 'off'] as const;
export type PaymentsMode = (typeof PAYMENTS_MODES)[number];

/** TALLY_PAYMENTS left unset: Stripe when its keys are set, manual in the demo, else off. Never free by accident. */
export function defaultPayments(settings: { stripeKeys: boolean; demo: boolean }): PaymentsMode {
  if (settings.stripeKeys) return 'stripe';
  return settings.demo ? 'manual' : 'off';
}

/** A workspace asked to buy or change plan while payments are off: nothing is changed. */
export function paymentsNotConfigured(): TallyError {
  return new TallyError(
    'payments_not_configured',
    'Payments are off on this Tally, so plans and credit packs cannot be bought here. The operator must set TALLY_PAYMENTS=stripe (with TALLY_STRIPE_SECRET_KEY and TALLY_STRIPE_WEBHOOK_SECRET) or TALLY_PAYMENTS=manual, or make the change with the operator key (POST /v1/workspaces/{id}/subscription or /purchases).',
    { payments: 'off' },
  );
}

/**
 * The API's request and reply types, from the server's contract module (types only: nothing of
 * the server is bundled into the page).
 */
export type { PackReply, PlanReply, UpgradeOptionsReply } from '../../../src/contract/billing.ts';

import type { GrantReply } from '../../../src/contract/ledger.ts';

export type { BalanceReply, GrantReply } from '../../../src/contract/ledger.ts';
export type { SessionReply } from '../../../src/contract/session.ts';
export type { SettingsReply } from '../../../src/contract/settings.ts';
export type { TwilioCardReply, TwilioConnectBody } from '../../../src/contract/twilio.ts';
export type {
  BreakdownRow,
  ForecastReply,
  UsageBreakdownReply,
  UsageHistoryReply,
  UsagePoint,
  UsageSummaryReply,
} from '../../../src/contract/usage.ts';

/** What POST /v1/subscription and POST /v1/purchases answer: a checkout to go to, or the credits granted at once. */
export interface CheckoutReply {
  checkoutUrl?: string;
  grant?: GrantReply | null;
  change?: 'upgrade' | 'downgrade' | 'none';
}

import type { TwilioCardReply, TwilioProblemCode } from '../contract/twilio.ts';
import type { TwilioFailureKind, TwilioRequestError } from './twilio-client.ts';
import type { TwilioFigures } from './twilio-figures.ts';

export type { TwilioProblemCode } from '../contract/twilio.ts';

export interface TwilioProblem {
  code: TwilioProblemCode;
  message: string;
}

/**
 * The body of `GET /v1/twilio`, defined once in the contract the dashboard also reads. Money is a
 * JSON number in the account's currency, converted from Twilio's decimal strings here only.
 */
export type TwilioCard = TwilioCardReply;

export const NOT_CONNECTED: TwilioCard = { connected: false, stale: false };

const PROBLEM_BY_KIND: Record<TwilioFailureKind, TwilioProblemCode> = {
  credentials_rejected: 'credentials_rejected',
  // The account's own resources vanishing means the stored credentials no longer reach it.
  not_found: 'credentials_rejected',
  rate_limited: 'rate_limited',
  timeout: 'timeout',
  unreachable: 'unreachable',
  twilio_error: 'twilio_error',
  unexpected_response: 'unexpected_response',
};

export function problemFor(error: TwilioRequestError, timeoutMs: number): TwilioProblem {
  const code = PROBLEM_BY_KIND[error.kind];
  return { code, message: problemMessage(code, error, timeoutMs) };
}

function problemMessage(code: TwilioProblemCode, error: TwilioRequestError, timeoutMs: number): string {
  switch (code) {
    case 'credentials_rejected':
      return 'Twilio no longer accepts the stored credentials (the Auth Token or API key may have been rotated or revoked). Reconnect Twilio with current credentials.';
    case 'rate_limited':
      return 'Twilio is rate limiting requests for this account; the figures will refresh shortly.';
    case 'timeout':
      return `Twilio did not answer within ${(timeoutMs / 1000).toFixed(1)} s; the figures will refresh when it does.`;
    case 'unreachable':
      return 'Twilio could not be reached; the figures will refresh when it is back.';
    case 'twilio_error':
      return `Twilio answered with an error (HTTP ${error.details.status ?? 'unknown'}); the figures will refresh when it recovers.`;
    case 'unexpected_response':
      return 'Twilio answered in a form Tally does not understand; the operator has been told in the logs.';
    case 'secret_unreadable':
      return SECRET_UNREADABLE.message;
  }
}

export const SECRET_UNREADABLE: TwilioProblem = {
  code: 'secret_unreadable',
  message:
    "The stored Twilio secret cannot be decrypted with this server's secret key (TALLY_SECRET_KEY changed or the key file was replaced). Reconnect Twilio.",
};

function money(decimal: string): number {
  return Number(decimal);
}

export function drawCard(input: {
  accountSid: string;
  authKind: 'auth_token' | 'api_key';
  connectedAt: Date;
  figures: TwilioFigures | null;
  fresh: boolean;
  problem: TwilioProblem | null;
}): TwilioCard {
  const { figures, problem } = input;
  const card: TwilioCard = {
    connected: true,
    accountSid: input.accountSid,
    authKind: input.authKind,
    connectedAt: input.connectedAt.toISOString(),
    stale: problem !== null || !input.fresh,
  };
  if (figures) {
    if (figures.balance !== null) card.balance = money(figures.balance);
    if (figures.currency !== null) card.currency = figures.currency;
    card.last30Days = {
      spend: money(figures.spend),
      currency: figures.spendCurrency,
      ...(figures.calls !== null ? { calls: figures.calls } : {}),
      ...(figures.callMinutes !== null ? { callMinutes: figures.callMinutes } : {}),
    };
    card.daily = figures.daily.map((day) => ({ date: day.date, spend: money(day.spend) }));
    card.asOf = figures.fetchedAt.toISOString();
  }
  if (problem) card.problem = problem;
  return card;
}

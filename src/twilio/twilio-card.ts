import type { TwilioCardReply, TwilioProblemCode } from '../contract/twilio.ts';
import type { TwilioFailureKind, TwilioRequestError } from './twilio-client.ts';
import { type BalanceFigures, type FiguresPart, INCLUDE_SUBACCOUNTS, type UsageFigures } from './twilio-figures.ts';

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

/** Where the customer manages the account's funds; Tally only reads them. */
export const TWILIO_CONSOLE_URL = 'https://console.twilio.com/';

const PROBLEM_BY_KIND: Record<TwilioFailureKind, TwilioProblemCode> = {
  credentials_rejected: 'credentials_rejected',
  forbidden: 'permission_denied',
  not_found: 'not_found',
  rate_limited: 'rate_limited',
  timeout: 'timeout',
  unreachable: 'unreachable',
  twilio_error: 'twilio_error',
  unexpected_response: 'unexpected_response',
};

/** Which problem the card names first when both parts have one: what the customer can act on. */
const URGENCY: readonly TwilioProblemCode[] = [
  'secret_unreadable',
  'credentials_rejected',
  'permission_denied',
  'not_found',
  'unexpected_response',
  'twilio_error',
  'rate_limited',
  'timeout',
  'unreachable',
];

const PART_NAMES: Record<FiguresPart, string> = { balance: 'balance', usage: 'usage records' };

export function problemFor(error: TwilioRequestError, timeoutMs: number, part: FiguresPart): TwilioProblem {
  const code = PROBLEM_BY_KIND[error.kind];
  return { code, message: problemMessage(code, error, timeoutMs, PART_NAMES[part]) };
}

function problemMessage(code: TwilioProblemCode, error: TwilioRequestError, timeoutMs: number, what: string): string {
  const status = error.details.status ?? 'unknown';
  switch (code) {
    case 'credentials_rejected':
      return 'Twilio no longer accepts the stored credentials (HTTP 401: the Auth Token or API key may have been rotated or revoked). Reconnect Twilio with current credentials.';
    case 'permission_denied':
      return `Twilio refused the stored credentials access to the account's ${what} (HTTP 403), as it does for an API key without that permission. Reconnect with the Auth Token, or an API key allowed to read the ${what}.`;
    case 'not_found':
      return `Twilio has no ${what} for this account (HTTP 404). A reconnect will not change this; the operator has been told in the logs.`;
    case 'rate_limited':
      return `Twilio is rate limiting requests for this account; the ${what} will refresh shortly.`;
    case 'timeout':
      return `Twilio did not send the ${what} within ${(timeoutMs / 1000).toFixed(1)} s; they will refresh when it does.`;
    case 'unreachable':
      return `Twilio could not be reached for the ${what}; they will refresh when it is back.`;
    case 'twilio_error':
      return `Twilio answered with an error (HTTP ${status}) for the ${what}; they will refresh when it recovers.`;
    case 'unexpected_response':
      return `Twilio sent the ${what} in a form Tally does not understand; the operator has been told in the logs.`;
    case 'secret_unreadable':
      return SECRET_UNREADABLE.message;
  }
}

export const SECRET_UNREADABLE: TwilioProblem = {
  code: 'secret_unreadable',
  message:
    "The stored Twilio secret cannot be decrypted with this server's secret key (TALLY_SECRET_KEY changed or the key file was replaced). Reconnect Twilio.",
};

const CURRENCY_UNKNOWN: TwilioProblem = {
  code: 'unexpected_response',
  message:
    'Twilio named no currency for the usage records or the balance, so the spend is not shown; the operator has been told in the logs.',
};

function money(decimal: string): number {
  return Number(decimal);
}

/** One part as the card shows it: the last figures Tally has, whether they are current, and why not. */
export interface PartView<T> {
  figures: T | null;
  fresh: boolean;
  problem: TwilioProblem | null;
}

type PartStatus = NonNullable<TwilioCard['parts']>['balance'];

function status(part: PartView<{ fetchedAt: Date }>, problem: TwilioProblem | null): PartStatus {
  return {
    ...(part.figures ? { asOf: part.figures.fetchedAt.toISOString() } : {}),
    stale: problem !== null || !part.fresh,
    ...(problem ? { problem } : {}),
  };
}

export function drawCard(input: {
  accountSid: string;
  authKind: 'auth_token' | 'api_key';
  connectedAt: Date;
  balance: PartView<BalanceFigures>;
  usage: PartView<UsageFigures>;
}): TwilioCard {
  const { balance, usage } = input;
  const card: TwilioCard = {
    connected: true,
    accountSid: input.accountSid,
    authKind: input.authKind,
    connectedAt: input.connectedAt.toISOString(),
    consoleUrl: TWILIO_CONSOLE_URL,
    stale: false,
  };
  if (balance.figures) {
    if (balance.figures.balance !== null) card.balance = money(balance.figures.balance);
    if (balance.figures.currency !== null) card.currency = balance.figures.currency;
  }
  let usageProblem = usage.problem;
  if (usage.figures) {
    const figures = usage.figures;
    // Never guessed: a spend without its currency would be read as dollars.
    const currency = figures.currency ?? balance.figures?.currency ?? null;
    if (currency === null) {
      usageProblem ??= CURRENCY_UNKNOWN;
    } else {
      card.last30Days = {
        spend: money(figures.spend),
        currency,
        ...(figures.calls !== null ? { calls: figures.calls } : {}),
        ...(figures.callMinutes !== null ? { callMinutes: figures.callMinutes } : {}),
        from: figures.from,
        to: figures.to,
        includesSubaccounts: INCLUDE_SUBACCOUNTS,
        byCategory: {
          calls: money(figures.byCategory.calls),
          sms: money(figures.byCategory.sms),
          phoneNumbers: money(figures.byCategory.phoneNumbers),
          recordings: money(figures.byCategory.recordings),
          other: money(figures.byCategory.other),
        },
      };
      card.daily = figures.daily.map((day) => ({ date: day.date, spend: money(day.spend) }));
    }
  }
  const parts = { balance: status(balance, balance.problem), usage: status(usage, usageProblem) };
  card.parts = parts;
  card.stale = parts.balance.stale || parts.usage.stale;
  const asOf = [parts.balance.asOf, parts.usage.asOf].filter((at): at is string => at !== undefined).sort()[0];
  if (asOf !== undefined) card.asOf = asOf;
  const problem = [parts.balance.problem, parts.usage.problem]
    .filter((p): p is TwilioProblem => p !== undefined)
    .sort((a, b) => URGENCY.indexOf(a.code) - URGENCY.indexOf(b.code))[0];
  if (problem) card.problem = problem;
  return card;
}

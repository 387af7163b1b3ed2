import { type Static, Type } from '@sinclair/typebox';
import { Timestamp } from './common.ts';

/** Money from Twilio: a JSON number in the account's currency (Twilio's own figures, never credits). */
const Money = Type.Number({ description: "An amount in the account's currency, as Twilio reports it." });

export const TwilioProblemCode = Type.Union(
  [
    Type.Literal('credentials_rejected'),
    Type.Literal('permission_denied'),
    Type.Literal('not_found'),
    Type.Literal('rate_limited'),
    Type.Literal('timeout'),
    Type.Literal('unreachable'),
    Type.Literal('twilio_error'),
    Type.Literal('unexpected_response'),
    Type.Literal('secret_unreadable'),
  ],
  {
    description:
      'Why figures are not current. credentials_rejected (Twilio answered 401), permission_denied (403) and secret_unreadable need new credentials (PUT /v1/twilio); not_found (404) and unexpected_response are not fixed by a reconnect; the others clear on their own.',
  },
);
export type TwilioProblemCode = Static<typeof TwilioProblemCode>;

const TwilioProblem = Type.Object({ code: TwilioProblemCode, message: Type.String() });

const PartStatus = Type.Object({
  asOf: Type.Optional(Type.String({ format: 'date-time', description: 'When Twilio gave this part.' })),
  stale: Type.Boolean({ description: 'True when this part is not a current answer from Twilio.' }),
  problem: Type.Optional(TwilioProblem),
});

export const TwilioCardReply = Type.Object({
  connected: Type.Boolean(),
  accountSid: Type.Optional(Type.String()),
  authKind: Type.Optional(Type.Union([Type.Literal('auth_token'), Type.Literal('api_key')])),
  connectedAt: Type.Optional(Timestamp),
  consoleUrl: Type.Optional(
    Type.String({ format: 'uri', description: 'The Twilio Console, where the funds are managed.' }),
  ),
  balance: Type.Optional(Money),
  currency: Type.Optional(Type.String({ description: 'ISO 4217 of the balance, e.g. USD.' })),
  last30Days: Type.Optional(
    Type.Object({
      spend: Type.Number({ description: "Twilio's totalprice over the window, in `currency`." }),
      currency: Type.String({
        description: "ISO 4217 of the spend: the usage records' price_unit, else the balance's currency.",
      }),
      calls: Type.Optional(Type.Integer({ minimum: 0 })),
      callMinutes: Type.Optional(Type.Integer({ minimum: 0 })),
      from: Type.Optional(Type.String({ format: 'date', description: 'First UTC day of the window.' })),
      to: Type.Optional(Type.String({ format: 'date', description: 'Last UTC day of the window (today).' })),
      includesSubaccounts: Type.Optional(
        Type.Boolean({ description: "False: the connected account's own usage, matching its balance." }),
      ),
      byCategory: Type.Optional(
        Type.Object(
          { calls: Money, sms: Money, phoneNumbers: Money, recordings: Money, other: Money },
          {
            description:
              "Spend by Twilio's top-level usage categories (calls, sms, phonenumbers, recordings); other is the rest of totalprice. They add up to spend.",
          },
        ),
      ),
    }),
  ),
  daily: Type.Optional(
    Type.Array(Type.Object({ date: Type.String({ format: 'date' }), spend: Money }), {
      description: 'Spend per UTC day over the last 30 days, oldest first, zero days included.',
    }),
  ),
  asOf: Type.Optional(
    Type.String({ format: 'date-time', description: 'When Twilio gave the oldest of the figures shown.' }),
  ),
  stale: Type.Boolean({ description: 'True when any figure shown is not a current answer from Twilio.' }),
  problem: Type.Optional(
    Type.Object(TwilioProblem.properties, { description: 'The most pressing problem of the parts below.' }),
  ),
  parts: Type.Optional(
    Type.Object(
      { balance: PartStatus, usage: PartStatus },
      {
        description:
          'The balance (Balance.json) and the usage (Usage/Records) are read separately: one failing leaves the other shown, each with its own asOf and problem.',
      },
    ),
  ),
});
export type TwilioCardReply = Static<typeof TwilioCardReply>;

export const TwilioConnectBody = Type.Object(
  {
    accountSid: Type.String({ description: 'The Account SID, "AC" and 32 hex characters.' }),
    authToken: Type.Optional(Type.String({ description: "The account's Auth Token." })),
    apiKeySid: Type.Optional(Type.String({ description: 'Instead of the Auth Token: an API key SID ("SK...")…' })),
    apiKeySecret: Type.Optional(Type.String({ description: '…and its secret.' })),
  },
  {
    additionalProperties: false,
    description: 'Either {accountSid, authToken} or {accountSid, apiKeySid, apiKeySecret}.',
  },
);
export type TwilioConnectBody = Static<typeof TwilioConnectBody>;

import { type Static, Type } from '@sinclair/typebox';
import { Timestamp } from './common.ts';

/** Money from Twilio: a JSON number in the account's currency (Twilio's own figures, never credits). */
const Money = Type.Number({ description: "An amount in the account's currency, as Twilio reports it." });

export const TwilioProblemCode = Type.Union(
  [
    Type.Literal('credentials_rejected'),
    Type.Literal('rate_limited'),
    Type.Literal('timeout'),
    Type.Literal('unreachable'),
    Type.Literal('twilio_error'),
    Type.Literal('unexpected_response'),
    Type.Literal('secret_unreadable'),
  ],
  {
    description:
      'Why the figures are not current. credentials_rejected and secret_unreadable need a reconnect (PUT /v1/twilio); the others clear on their own.',
  },
);
export type TwilioProblemCode = Static<typeof TwilioProblemCode>;

export const TwilioCardReply = Type.Object({
  connected: Type.Boolean(),
  accountSid: Type.Optional(Type.String()),
  authKind: Type.Optional(Type.Union([Type.Literal('auth_token'), Type.Literal('api_key')])),
  connectedAt: Type.Optional(Timestamp),
  balance: Type.Optional(Money),
  currency: Type.Optional(Type.String({ description: 'ISO 4217, e.g. USD.' })),
  last30Days: Type.Optional(
    Type.Object({
      spend: Money,
      currency: Type.String(),
      calls: Type.Optional(Type.Integer({ minimum: 0 })),
      callMinutes: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
  ),
  daily: Type.Optional(
    Type.Array(Type.Object({ date: Type.String({ format: 'date' }), spend: Money }), {
      description: 'Spend per UTC day over the last 30 days, oldest first, zero days included.',
    }),
  ),
  asOf: Type.Optional(Type.String({ format: 'date-time', description: 'When Twilio gave these figures.' })),
  stale: Type.Boolean({ description: 'True when the figures shown are not a current answer from Twilio.' }),
  problem: Type.Optional(Type.Object({ code: TwilioProblemCode, message: Type.String() })),
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

import { type Static, Type } from '@sinclair/typebox';
import { Channel, Credits, Features, Id, Timestamp } from './common.ts';
import { ExpiringReply } from './expiring.ts';

/** A response as charged: on its own, or as the commit of the reservation made for it. */
const ResponseFields = {
  id: Id,
  conversationId: Id,
  channel: Channel,
  agentId: Id,
  features: Type.Optional(Features),
  occurredAt: Type.Optional(Timestamp),
};

export const ResponseBody = Type.Object(
  { ...ResponseFields, reservationId: Type.Optional(Type.String({ maxLength: 128 })) },
  { additionalProperties: false },
);
export type ResponseBody = Static<typeof ResponseBody>;

export const ChargeReply = Type.Object({
  id: Type.String(),
  cost: Credits,
  balance: Type.Object({ available: Credits }),
});
export type ChargeReply = Static<typeof ChargeReply>;

export const BatchBody = Type.Object(
  { responses: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const BatchReply = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.Union([Type.String(), Type.Null()]),
      status: Type.Integer({
        description: 'The status this item would have had on its own: 201, 200 (replay) or a 4xx.',
      }),
      cost: Type.Optional(Credits),
      error: Type.Optional(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
      ),
    }),
  ),
  balance: Type.Object({ available: Credits }),
});
export type BatchReply = Static<typeof BatchReply>;

export const ConversationBody = Type.Object(
  { id: Id, channel: Channel, agentId: Id, startedAt: Type.Optional(Timestamp) },
  { additionalProperties: false },
);
export const ConversationReply = Type.Object({
  id: Type.String(),
  channel: Channel,
  agentId: Type.String(),
  startedAt: Timestamp,
});

const ForAgent = Type.Optional(
  Type.String({ ...Id, description: 'The agent about to respond: its own spend limit is checked too.' }),
);

/** What a check or a reservation is priced for: `count` responses with these features. */
const PricedFor = {
  features: Type.Optional(Features),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
};

export const CheckBody = Type.Object({ ...PricedFor, agentId: ForAgent }, { additionalProperties: false });
export const CheckReply = Type.Object({
  allowed: Type.Boolean(),
  cost: Credits,
  available: Credits,
  reason: Type.Optional(
    Type.Union([Type.Literal('insufficient_credits'), Type.Literal('spend_limit_reached')], {
      description: 'Why it is not allowed.',
    }),
  ),
});
export type CheckReply = Static<typeof CheckReply>;

export const ReservationBody = Type.Object(
  {
    ...PricedFor,
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    agentId: ForAgent,
  },
  { additionalProperties: false },
);
export const ReservationReply = Type.Object({
  id: Type.String(),
  amount: Credits,
  expiresAt: Timestamp,
  status: Type.Union([Type.Literal('held'), Type.Literal('committed'), Type.Literal('released')]),
});

export const CommitBody = Type.Object(ResponseFields, { additionalProperties: false });

export const RefundBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
export const RefundReply = Type.Object({
  id: Type.String(),
  refunded: Credits,
  balance: Type.Object({ available: Credits }),
});

export const GrantBody = Type.Object(
  {
    id: Id,
    amount: Credits,
    source: Type.Union([Type.Literal('promotion'), Type.Literal('adjustment'), Type.Literal('purchase')]),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    expiresAt: Type.Optional(Timestamp),
    effectiveAt: Type.Optional(Timestamp),
    priority: Type.Optional(Type.Integer({ minimum: -1000000, maximum: 1000000 })),
  },
  { additionalProperties: false },
);

export const GrantReply = Type.Object({
  id: Type.String(),
  source: Type.String(),
  amount: Credits,
  remaining: Credits,
  priority: Type.Integer(),
  effectiveAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  reason: Type.String(),
});
export type GrantReply = Static<typeof GrantReply>;

export const BalanceReply = Type.Object({
  available: Credits,
  held: Credits,
  overage: Type.Object({ debt: Credits, limit: Credits }),
  period: Type.Object({ start: Timestamp, end: Timestamp, granted: Credits, used: Credits }),
  grants: Type.Array(GrantReply),
  expiring: ExpiringReply,
  low: Type.Boolean(),
  upgrade: Type.Optional(Type.Object({ url: Type.String(), reason: Type.String() })),
  agents: Type.Object({ used: Type.Integer(), allowed: Type.Union([Type.Integer(), Type.Null()]) }),
});
export type BalanceReply = Static<typeof BalanceReply>;

export const LedgerLineReply = Type.Object({
  seq: Type.Integer(),
  at: Timestamp,
  kind: Type.String({ description: 'grant, charge, refund, expire or settle' }),
  amount: Credits,
  grantId: Type.Union([Type.String(), Type.Null()]),
  responseId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  balanceAfter: Credits,
});
export const StatementReply = Type.Object({
  lines: Type.Array(LedgerLineReply),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type StatementReply = Static<typeof StatementReply>;

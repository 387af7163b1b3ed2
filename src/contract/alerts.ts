import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

export const EventTypeName = Type.Union([
  Type.Literal('credits.low'),
  Type.Literal('credits.depleted'),
  Type.Literal('credits.recovered'),
  Type.Literal('subscription.renewed'),
  Type.Literal('purchase.completed'),
  Type.Literal('usage.level_reached'),
  Type.Literal('limit.reached'),
  Type.Literal('auto_top_up.succeeded'),
  Type.Literal('auto_top_up.failed'),
]);

export const CreditStateName = Type.Union([Type.Literal('ok'), Type.Literal('low'), Type.Literal('depleted')]);

export const ThresholdBody = Type.Object(
  {
    percent: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: "A share of the period's allocation, e.g. 20." }),
    ),
    credits: Type.Optional(Type.Number({ minimum: 0, description: 'A fixed number of credits, e.g. 150.' })),
  },
  { additionalProperties: false, description: 'Exactly one of percent or credits.' },
);
export type ThresholdBody = Static<typeof ThresholdBody>;

export const ThresholdReply = Type.Object({
  threshold: Type.Object({ percent: Type.Optional(Type.Number()), credits: Type.Optional(Credits) }),
  default: Type.Boolean({ description: 'True when the workspace has not set its own threshold.' }),
  line: Credits,
  available: Credits,
  state: CreditStateName,
});
export type ThresholdReply = Static<typeof ThresholdReply>;

export const WebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    events: Type.Array(EventTypeName, { minItems: 1, maxItems: EventTypeName.anyOf.length }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const WebhookReply = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(EventTypeName),
  description: Type.String(),
  createdAt: Timestamp,
});
export type WebhookReply = Static<typeof WebhookReply>;

export const WebhookCreatedReply = Type.Object({
  ...WebhookReply.properties,
  secret: Type.String({
    description:
      'A Standard Webhooks secret (whsec_ + base64): signs every delivery (webhook-signature); shown only in this reply.',
  }),
});

export const DeliveryReply = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  workspaceId: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('delivered'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
  ]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  log: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: Timestamp,
      statusCode: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      responseExcerpt: Type.Union([Type.String(), Type.Null()]),
      durationMs: Type.Integer(),
    }),
  ),
});
export type DeliveryReply = Static<typeof DeliveryReply>;

import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

export const AutoTopUpBody = Type.Object(
  {
    enabled: Type.Boolean(),
    threshold: Type.Number({
      description: 'Credits (zero or more): when available falls below it, the pack is bought.',
    }),
    pack: Type.String({ maxLength: 64, description: 'A pack id from GET /v1/plans.' }),
    maxPerMonth: Type.Number({ description: 'At most this many packs a calendar month (UTC), 1 to 100.' }),
  },
  { additionalProperties: false },
);
export type AutoTopUpBody = Static<typeof AutoTopUpBody>;

export const AutoTopUpStatusName = Type.Union([
  Type.Literal('pending'),
  Type.Literal('paying'),
  Type.Literal('processing'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('requires_action'),
]);

export const AutoTopUpReply = Type.Object({
  enabled: Type.Boolean(),
  threshold: Credits,
  pack: Type.String(),
  maxPerMonth: Type.Integer(),
  thisMonth: Type.Object({
    count: Type.Integer({ description: 'Packs bought, or being paid for, this calendar month (UTC).' }),
  }),
  last: Type.Optional(
    Type.Object({
      at: Timestamp,
      pack: Type.String(),
      status: AutoTopUpStatusName,
      grantId: Type.Optional(Type.String()),
      error: Type.Optional(Type.String()),
      actionUrl: Type.Optional(
        Type.String({ description: 'With requires_action: a Checkout page where the customer pays the pack.' }),
      ),
    }),
  ),
});
export type AutoTopUpReply = Static<typeof AutoTopUpReply>;

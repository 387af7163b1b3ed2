import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

export const RateCardBody = Type.Object(
  {
    effectiveAt: Timestamp,
    baseCost: Credits,
    features: Type.Record(Type.String({ maxLength: 64 }), Credits, {
      description: 'Surcharge per feature, in credits.',
    }),
  },
  { additionalProperties: false },
);

export const RateCardReply = Type.Object({
  version: Type.Integer(),
  effectiveAt: Timestamp,
  baseCost: Credits,
  features: Type.Record(Type.String(), Credits),
});
export type RateCardReply = Static<typeof RateCardReply>;

import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

const Day = Type.String({ format: 'date', description: 'A UTC day, YYYY-MM-DD.' });

export const RangeQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ maxLength: 40, description: 'First day included: YYYY-MM-DD, or an RFC 3339 time (its UTC day).' }),
    ),
    to: Type.Optional(
      Type.String({ maxLength: 40, description: 'Last day included: YYYY-MM-DD, or an RFC 3339 time.' }),
    ),
  },
  { additionalProperties: false },
);

export const UsageSummaryReply = Type.Object({
  from: Day,
  to: Day,
  creditsUsed: Credits,
  calls: Type.Integer({ description: 'Voice calls first seen in the range.' }),
  chats: Type.Integer({ description: 'Chat conversations first seen in the range.' }),
  responses: Type.Integer(),
});
export type UsageSummaryReply = Static<typeof UsageSummaryReply>;

export const HistoryQuery = Type.Object(
  {
    from: RangeQuery.properties.from,
    to: RangeQuery.properties.to,
    interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week')], { default: 'day' })),
  },
  { additionalProperties: false },
);

export const UsagePoint = Type.Object({
  start: Day,
  creditsUsed: Credits,
  calls: Type.Integer(),
  chats: Type.Integer(),
  responses: Type.Integer(),
});
export type UsagePoint = Static<typeof UsagePoint>;

export const UsageHistoryReply = Type.Object({
  from: Day,
  to: Day,
  interval: Type.Union([Type.Literal('day'), Type.Literal('week')]),
  points: Type.Array(UsagePoint),
});
export type UsageHistoryReply = Static<typeof UsageHistoryReply>;

export const ForecastReply = Type.Object({
  dailyAverage: Credits,
  runsOutAt: Type.Union([Timestamp, Type.Null()]),
  periodEndProjection: Credits,
  suggestedPlan: Type.Union([Type.String(), Type.Null()]),
});
export type ForecastReply = Static<typeof ForecastReply>;

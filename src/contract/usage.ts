import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

const Day = Type.String({ format: 'date', description: "A day in the workspace's time zone, YYYY-MM-DD." });

export const RangeQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        maxLength: 40,
        description: "First day included: YYYY-MM-DD, or an RFC 3339 time (its day in the workspace's time zone).",
      }),
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
    agentId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "Only this agent's usage. Default: every agent's." }),
    ),
  },
  { additionalProperties: false },
);

/** What a history point and a breakdown row each count, for their day or week and for their key. */
const UsageFigures = {
  creditsUsed: Credits,
  calls: Type.Integer(),
  chats: Type.Integer(),
  responses: Type.Integer(),
};

export const UsagePoint = Type.Object({ start: Day, ...UsageFigures });
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

export const BreakdownQuery = Type.Object(
  {
    by: Type.Union([Type.Literal('agent'), Type.Literal('channel'), Type.Literal('feature')], {
      description: 'What to split by. A feature row is a whole feature set, such as `tts+transcription`, or `none`.',
    }),
    from: RangeQuery.properties.from,
    to: RangeQuery.properties.to,
  },
  { additionalProperties: false },
);

export const BreakdownRow = Type.Object({
  key: Type.String({ description: 'The agent id, the channel (call or chat), or the feature set.' }),
  ...UsageFigures,
});
export type BreakdownRow = Static<typeof BreakdownRow>;

export const UsageBreakdownReply = Type.Object({
  from: Day,
  to: Day,
  by: BreakdownQuery.properties.by,
  rows: Type.Array(BreakdownRow, { description: 'Most credits first; they add up to the summary of the same range.' }),
});
export type UsageBreakdownReply = Static<typeof UsageBreakdownReply>;

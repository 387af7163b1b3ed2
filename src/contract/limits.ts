import { type Static, Type } from '@sinclair/typebox';
import { Credits, Id, Timestamp } from './common.ts';

export const LimitMode = Type.Union([Type.Literal('block'), Type.Literal('alert')], {
  description: 'block: a charge that would pass the limit is refused (402 spend_limit_reached); alert: only announced.',
});

const LimitCredits = Type.Number({ description: 'Credits per billing period: more than 0, at most 3 decimals.' });

export const LimitsBody = Type.Object(
  {
    workspace: Type.Optional(
      Type.Union(
        [Type.Object({ credits: LimitCredits, mode: LimitMode }, { additionalProperties: false }), Type.Null()],
        {
          description: "The whole workspace's limit; null removes it, left out keeps it.",
        },
      ),
    ),
    agents: Type.Optional(
      Type.Array(
        Type.Object({ agentId: Id, credits: LimitCredits, mode: LimitMode }, { additionalProperties: false }),
        {
          maxItems: 500,
          description: "Every agent's own limit: replaces the list; left out keeps it.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type LimitsBody = Static<typeof LimitsBody>;

const LimitProgress = {
  credits: Credits,
  mode: LimitMode,
  used: Type.Number({ description: "Credits this period's charges cost, after refunds." }),
  reached: Type.Boolean({ description: 'limit.reached was announced for this limit this period.' }),
};

export const LimitsReply = Type.Object({
  period: Type.Object({ start: Timestamp, end: Timestamp }),
  workspace: Type.Union([Type.Object(LimitProgress), Type.Null()]),
  agents: Type.Array(Type.Object({ agentId: Type.String(), ...LimitProgress })),
});
export type LimitsReply = Static<typeof LimitsReply>;

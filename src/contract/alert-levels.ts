import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

const UsedPercent = Type.Number({
  exclusiveMinimum: 0,
  maximum: 100,
  description: "A share of the period's credits used, e.g. 80 (at most 2 decimals).",
});
const CreditsLeft = Type.Number({ minimum: 0, description: 'Credits left, e.g. 150 (at most 3 decimals).' });

export const AlertLevelInput = Type.Object(
  { usedPercent: Type.Optional(UsedPercent), creditsLeft: Type.Optional(CreditsLeft) },
  { additionalProperties: false, description: 'Exactly one of usedPercent or creditsLeft.' },
);
export type AlertLevelInput = Static<typeof AlertLevelInput>;

export const AlertLevelsBody = Type.Object(
  { levels: Type.Array(AlertLevelInput, { maxItems: 10 }) },
  { additionalProperties: false },
);
export type AlertLevelsBody = Static<typeof AlertLevelsBody>;

export const AlertLevelsReply = Type.Object({
  levels: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('used_percent'), Type.Literal('credits_left')]),
      usedPercent: Type.Optional(Type.Number()),
      creditsLeft: Type.Optional(Credits),
      reached: Type.Boolean({ description: 'Where the workspace stands now: at or past this level.' }),
    }),
  ),
  default: Type.Boolean({ description: 'True when the workspace has not set its own levels (50%, 80%, 100% used).' }),
  period: Type.Object({
    start: Timestamp,
    end: Timestamp,
    granted: Credits,
    used: Credits,
    usedPercent: Type.Union([Type.Number(), Type.Null()], { description: 'Null while the period granted nothing.' }),
  }),
  available: Credits,
});
export type AlertLevelsReply = Static<typeof AlertLevelsReply>;

export const EmailNoticesBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
export type EmailNoticesBody = Static<typeof EmailNoticesBody>;

export const EmailNoticesReply = Type.Object({
  email: Type.String({ description: 'Where the notices go: the signed-in user.' }),
  enabled: Type.Boolean(),
});
export type EmailNoticesReply = Static<typeof EmailNoticesReply>;

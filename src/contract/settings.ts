import { type Static, Type } from '@sinclair/typebox';

const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description:
    'An IANA time zone name, e.g. America/New_York or Asia/Kolkata. Summary, history, breakdown, CSV, forecast and the dashboard count days in it.',
});

export const SettingsBody = Type.Object({ timeZone: TimeZone }, { additionalProperties: false });
export type SettingsBody = Static<typeof SettingsBody>;

export const SettingsReply = Type.Object({
  timeZone: { ...TimeZone, description: 'The zone in force; UTC by default.' },
  today: Type.String({
    format: 'date',
    description: "Today in that zone by the server's clock, YYYY-MM-DD: the day the dashboard's ranges end on.",
  }),
});
export type SettingsReply = Static<typeof SettingsReply>;

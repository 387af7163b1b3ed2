import { addDays, dayIn, dayStart } from './days.ts';

/**
 * Usage is rolled up twice, in the transaction that charges it. By UTC quarter hour ("slot",
 * `usage_slots`): every time zone in use today is a whole number of quarter hours from UTC (+05:30
 * India, +05:45 Nepal, +08:45 Eucla, −09:30 Marquesas), so every local day, in any zone, 23-hour
 * and 25-hour DST days included, is an exact run of slots. And by local day in the workspace's
 * zone (`usage_days`), which is what the dashboard reads: one row per day and (channel, agent,
 * features) in use, whatever the number of responses. The slots are the source of truth: a change
 * of zone rebuilds the workspace's days from its slots (`usageDaysOf`), and `tally verify` checks
 * the days against them.
 */
export const SLOT_MS = 15 * 60_000;

/** The quarter hour `at` falls in, counted from the Unix epoch. */
export function slotOf(at: Date): number {
  return Math.floor(at.getTime() / SLOT_MS);
}

/** The key a response's feature set is rolled up and broken down under: `tts+transcription`, or `none`. */
export function featureKey(features: readonly string[]): string {
  return features.length === 0 ? 'none' : [...features].sort().join('+');
}

/** One rollup row: its figures under (slot or day, channel, agent, features). */
export interface UsageFiguresRow {
  channel: string;
  agent_id: string;
  /** The response's sorted feature set as JSON; `[]` for a conversation recorded on its own. */
  features: string;
  credits_used: number;
  responses: number;
  conversations: number;
}

/**
 * The slots' figures summed per local day of `zone` and (channel, agent, features), in any order of
 * slots. Each slot's day is found once per local day it falls in (DST days included: a day's bounds
 * are its own local midnights), so the work grows with the rows, not with the zone's rules.
 */
export function usageDaysOf(
  slots: Iterable<UsageFiguresRow & { slot: number }>,
  zone: string,
): (UsageFiguresRow & { day: string })[] {
  const days = new Map<string, UsageFiguresRow & { day: string }>();
  let current = { day: '', start: 0, end: 0 };
  for (const row of slots) {
    const slot = Number(row.slot);
    if (slot < current.start || slot >= current.end) {
      const day = dayIn(new Date(slot * SLOT_MS), zone);
      current = { day, start: slotOf(dayStart(day, zone)), end: slotOf(dayStart(addDays(day, 1), zone)) };
    }
    const key = `${current.day}\u0000${row.channel}\u0000${row.agent_id}\u0000${row.features}`;
    const sum = days.get(key);
    if (sum) {
      sum.credits_used += Number(row.credits_used);
      sum.responses += Number(row.responses);
      sum.conversations += Number(row.conversations);
    } else {
      days.set(key, {
        day: current.day,
        channel: row.channel,
        agent_id: row.agent_id,
        features: row.features,
        credits_used: Number(row.credits_used),
        responses: Number(row.responses),
        conversations: Number(row.conversations),
      });
    }
  }
  return [...days.values()];
}

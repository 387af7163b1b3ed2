import { addDays, type DayRange, dayStart, daysBetween } from './days.ts';

/**
 * Usage is rolled up by UTC quarter hour ("slot"): every time zone in use today is a whole number
 * of quarter hours from UTC (+05:30 India, +05:45 Nepal, +08:45 Eucla, −09:30 Marquesas), so every
 * local day, in any zone, 23-hour and 25-hour DST days included, is an exact run of slots. A read
 * for a range of local days sums the slots between the range's first and last local midnight: at
 * most 100 slots a day (a 25-hour day) per (channel, agent, features) in use, whatever the number
 * of responses. A change of zone rewrites nothing: the same slots are grouped by the new zone's days.
 */
export const SLOT_MS = 15 * 60_000;
export const SLOTS_PER_DAY = 96;

/** The quarter hour `at` falls in, counted from the Unix epoch. */
export function slotOf(at: Date): number {
  return Math.floor(at.getTime() / SLOT_MS);
}

/** The slots `[start, end)` of the local days `range.from`..`range.to` in `zone`. */
export function slotRange(range: DayRange, zone: string): { start: number; end: number } {
  return {
    start: slotOf(dayStart(range.from, zone)),
    end: slotOf(dayStart(addDays(range.to, 1), zone)),
  };
}

/**
 * Which local day of the range a slot falls on, as runs of slots: in a run of regular days the
 * day is `firstDay + (slot - start) / 96`; a day that is not 96 slots long (DST) is a run of its own.
 * Days are numbered from 0 (`range.from`). Ordered by `end`; a range has at most a few runs a year.
 */
export interface SlotRun {
  start: number;
  end: number;
  firstDay: number;
  /** True when every day in the run is 96 slots long; false for a single DST day. */
  regular: boolean;
}

export function slotRuns(range: DayRange, zone: string): SlotRun[] {
  const runs: SlotRun[] = [];
  const days = daysBetween(range.from, range.to) + 1;
  let start = slotOf(dayStart(range.from, zone));
  for (let index = 0; index < days; index++) {
    const end = slotOf(dayStart(addDays(range.from, index + 1), zone));
    const regular = end - start === SLOTS_PER_DAY;
    const last = runs[runs.length - 1];
    if (regular && last?.regular && last.end === start) last.end = end;
    else runs.push({ start, end, firstDay: index, regular });
    start = end;
  }
  return runs;
}

/** The key a response's feature set is rolled up and broken down under: `tts+transcription`, or `none`. */
export function featureKey(features: readonly string[]): string {
  return features.length === 0 ? 'none' : [...features].sort().join('+');
}

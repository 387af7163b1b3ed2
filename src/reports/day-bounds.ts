import { addDays, type DayRange, dayStart } from '../domain/days.ts';

/**
 * The instants a range of days in `zone` covers: from the start of `from` up to, not including, the
 * start of the day after `to` (a DST day is 23 or 25 hours). Reads over raw rows (conversations)
 * turn days into instants here.
 */
export function dayBounds(range: DayRange, zone: string): { start: Date; end: Date } {
  return { start: dayStart(range.from, zone), end: dayStart(addDays(range.to, 1), zone) };
}

import { addDays } from '../domain/days.ts';
import type { DayRange } from './usage.ts';

/**
 * The instants a range of days covers: from the start of `from` up to, not including, the start of
 * the day after `to`. Days are UTC days; this is the one place a read over raw rows (conversations)
 * turns days into instants, so counting days in the workspace's time zone changes this function only.
 */
export function dayBounds(range: DayRange): { start: Date; end: Date } {
  return { start: new Date(`${range.from}T00:00:00Z`), end: new Date(`${addDays(range.to, 1)}T00:00:00Z`) };
}

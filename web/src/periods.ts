/**
 * The periods the usage summary offers. Days are the workspace's days (its time zone), held as the
 * UTC midnight of that date so day arithmetic never meets a DST change.
 */
export type PeriodChoice = 'this-month' | 'last-month' | 'last-7-days' | 'last-30-days' | 'last-90-days' | 'custom';

export const PERIOD_LABELS: Record<PeriodChoice, string> = {
  'this-month': 'This month',
  'last-month': 'Last month',
  'last-7-days': 'Last 7 days',
  'last-30-days': 'Last 30 days',
  'last-90-days': 'Last 90 days',
  custom: 'Custom',
};

export interface DayRange {
  /** Start of the first day, inclusive. */
  from: Date;
  /** Start of the day after the last day: exclusive. */
  to: Date;
}

const DAY = 86_400_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** `YYYY-MM-DD` for a date input. */
export function toDateInput(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function fromDateInput(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const at = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The last `days` days, today included. */
export function lastDays(days: number, now: Date): DayRange {
  const tomorrow = new Date(startOfUtcDay(now).getTime() + DAY);
  return { from: new Date(tomorrow.getTime() - days * DAY), to: tomorrow };
}

export function rangeFor(choice: Exclude<PeriodChoice, 'custom'>, now: Date): DayRange {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  switch (choice) {
    case 'this-month':
      return { from: new Date(Date.UTC(year, month, 1)), to: new Date(startOfUtcDay(now).getTime() + DAY) };
    case 'last-month':
      return { from: new Date(Date.UTC(year, month - 1, 1)), to: new Date(Date.UTC(year, month, 1)) };
    case 'last-7-days':
      return lastDays(7, now);
    case 'last-30-days':
      return lastDays(30, now);
    case 'last-90-days':
      return lastDays(90, now);
  }
}

/** A custom range from two date inputs (both days included), or why it is not one. */
export function customRange(first: string, last: string): DayRange | string {
  const from = fromDateInput(first);
  const until = fromDateInput(last);
  if (!from || !until) return 'Pick a start and an end date.';
  if (until < from) return 'The end date is before the start date.';
  if (until.getTime() - from.getTime() > 366 * DAY) return 'Pick a range of at most a year.';
  return { from, to: new Date(until.getTime() + DAY) };
}

export interface Period {
  start: Date;
  end: Date;
}

/** `months` calendar months after `anchor`; a day past the end of a shorter month falls on its last day. */
export function addMonthsClamped(anchor: Date, months: number): Date {
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      year,
      month,
      Math.min(anchor.getUTCDate(), lastDay),
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

/**
 * The monthly period containing `now` for a subscription anchored at `anchor`. An anchor on the
 * 31st falls on the last day of shorter months, and returns to the 31st when the month allows it.
 */
export function periodAt(anchor: Date, now: Date): Period {
  let index = (now.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (now.getUTCMonth() - anchor.getUTCMonth());
  while (addMonthsClamped(anchor, index).getTime() > now.getTime()) index -= 1;
  while (addMonthsClamped(anchor, index + 1).getTime() <= now.getTime()) index += 1;
  return { start: addMonthsClamped(anchor, index), end: addMonthsClamped(anchor, index + 1) };
}

/** Every period that starts after `after` and no later than `now`, oldest first. */
export function periodsStartedBetween(anchor: Date, after: Date, now: Date): Period[] {
  const periods: Period[] = [];
  let period = periodAt(anchor, new Date(after.getTime() + 1));
  if (period.start.getTime() <= after.getTime()) period = periodAt(anchor, period.end);
  while (period.start.getTime() <= now.getTime()) {
    periods.push(period);
    period = periodAt(anchor, period.end);
  }
  return periods;
}

/** Every number and date on the page goes through here, in the reader's own locale. */
const locale = typeof navigator === 'undefined' ? undefined : navigator.languages?.[0];

const credits = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });

/** Credits exactly as the API gives them (up to 3 decimals). */
export const formatCredits = (value: number): string => credits.format(value);
export const formatCount = (value: number): string => whole.format(value);
export const formatAverage = (value: number): string => oneDecimal.format(value);
export const formatPercent = (share: number): string => percent.format(share);
/** Short for tight spots (axis ticks, the gauge's centre when numbers are long); exact figures stay nearby. */
export const formatCompact = (value: number): string => compact.format(value);

export function formatMoney(value: number, currency: string): string {
  try {
    // Whole prices read as "$99", amounts with cents keep them: "$187.42".
    const whole = Number.isInteger(value) ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase(), ...whole }).format(
      value,
    );
  } catch {
    return `${credits.format(value)} ${currency.toUpperCase()}`;
  }
}

// Days come from the API as dates in the workspace's zone (YYYY-MM-DD); they are formatted as UTC dates so a
// date never shifts by the reader's own zone.
const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const longDay = new Intl.DateTimeFormat(locale, {
  weekday: 'short',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });

export const formatDay = (at: string | Date): string => day.format(new Date(at));
export const formatDayYear = (at: string | Date): string => dayYear.format(new Date(at));
export const formatLongDay = (at: string | Date): string => longDay.format(new Date(at));
/** A moment in the reader's own zone, e.g. when figures were fetched. */
export const formatTime = (at: string | Date): string => time.format(new Date(at));
export const formatDateTime = (at: string | Date): string => dateTime.format(new Date(at));

/** A UTC day range; `end` is exclusive, so the last day shown is the day before it. */
export function formatDayRange(start: string | Date, end: string | Date): string {
  const last = new Date(new Date(end).getTime() - 86_400_000);
  return dayYear.formatRange(new Date(start), last);
}

/** "in 12 days", "yesterday", "3 minutes ago". */
export function formatRelative(at: string | Date, now: Date = new Date()): string {
  const seconds = (new Date(at).getTime() - now.getTime()) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(Math.round(seconds), 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

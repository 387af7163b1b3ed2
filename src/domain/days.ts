import { TZDate } from '@date-fns/tz';

/**
 * The one place that turns instants into calendar days and back. A day is `YYYY-MM-DD` in a time
 * zone (an IANA name; `UTC` unless the workspace chose another); the daily rollups and billing
 * periods use UTC days, what a person reads uses the workspace's zone.
 */
export const UTC = 'UTC';

/** Both ends are whole days and both are included: `2026-11-01`..`2026-11-30` is November. */
export interface DayRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The UTC calendar day of an instant, as the daily rollups key it. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The calendar day an instant falls on in `zone`. */
export function dayIn(at: Date, zone: string): string {
  if (zone === UTC) return utcDay(at);
  const local = new TZDate(at.getTime(), zone);
  return [
    String(local.getFullYear()).padStart(4, '0'),
    String(local.getMonth() + 1).padStart(2, '0'),
    String(local.getDate()).padStart(2, '0'),
  ].join('-');
}

/**
 * The instant `day` begins in `zone`: its local midnight, or the first instant after it where a
 * DST change skips midnight (America/Santiago). DST days are 23 or 25 hours long, not 24.
 */
export function dayStart(day: string, zone: string): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  if (zone === UTC) return new Date(Date.UTC(year, month - 1, date));
  return new Date(new TZDate(year, month - 1, date, zone).getTime());
}

/**
 * `name` as the IANA database spells it (`america/new_york` → `America/New_York`), or null when it
 * names no zone. A link such as `Asia/Kathmandu` is kept as given: the runtime's list still holds
 * some older spellings (`Asia/Katmandu`) that a person would not recognise.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!ZONE_PATTERN.test(name)) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return null;
  }
  const lower = name.toLowerCase();
  return knownZones().find((zone) => zone.toLowerCase() === lower) ?? name;
}

let zones: readonly string[] | null = null;
function knownZones(): readonly string[] {
  zones ??= [UTC, ...Intl.supportedValuesOf('timeZone')];
  return zones;
}

/** Calendar days as `YYYY-MM-DD`: a real date, not one that rolls over into another. */
export function isDay(value: string): boolean {
  if (!DAY_PATTERN.test(value)) return false;
  // Month 13 or day 32 is no date at all: asking it for its day would throw, not answer false.
  const at = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && utcDay(at) === value;
}

export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The Monday that starts the ISO week of `day`. */
export function weekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

/** The first instant of the UTC day of `at`. */
export function startOfUtcDay(at: Date): Date {
  return dayStart(utcDay(at), UTC);
}

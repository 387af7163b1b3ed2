import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, dayIn, dayStart } from './days.ts';

describe("a day in the workspace's time zone", () => {
  it('is the local calendar day, so tonight in New York is still today', () => {
    expect(dayIn(new Date('2026-11-26T03:30:00Z'), 'America/New_York')).toBe('2026-11-25');
    expect(dayIn(new Date('2026-11-26T05:00:00Z'), 'America/New_York')).toBe('2026-11-26');
    expect(dayIn(new Date('2026-11-26T03:30:00Z'), 'UTC')).toBe('2026-11-26');
  });

  it('turns over on the half and three-quarter hours where the zone is offset so', () => {
    expect(dayIn(new Date('2026-11-25T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-11-25');
    expect(dayIn(new Date('2026-11-25T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-11-26');
    expect(dayIn(new Date('2026-11-25T18:14:59Z'), 'Asia/Kathmandu')).toBe('2026-11-25');
    expect(dayIn(new Date('2026-11-25T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-11-26');
  });

  it('is 23 or 25 hours long on a DST change', () => {
    const hours = (day: string, next: string, zone: string) =>
      (dayStart(next, zone).getTime() - dayStart(day, zone).getTime()) / 3_600_000;
    expect(hours('2026-03-08', '2026-03-09', 'America/New_York')).toBe(23);
    expect(hours('2026-11-01', '2026-11-02', 'America/New_York')).toBe(25);
    expect(hours('2026-11-02', '2026-11-03', 'America/New_York')).toBe(24);
    expect(dayStart('2026-11-01', 'America/New_York').toISOString()).toBe('2026-11-01T04:00:00.000Z');
  });

  it('starts when midnight is skipped at the first instant after it', () => {
    // Chile moves its clocks forward at midnight: 6 September 2026 begins at 01:00.
    expect(dayStart('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });
});

describe('a time zone name', () => {
  it('is an IANA name, given back in its canonical spelling', () => {
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('Asia/Kathmandu')).toBe('Asia/Kathmandu');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
  });

  it('is not an offset, an abbreviation nobody defines, or anything else', () => {
    for (const name of ['+05:30', 'Mars/Olympus_Mons', 'EST5EDT6', '', 'America/New York', '../etc/passwd']) {
      expect(canonicalTimeZone(name), name).toBeNull();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { addDays, dayStart } from './days.ts';
import { featureKey, SLOT_MS, slotOf, usageDaysOf } from './usage-slots.ts';

describe('usage by quarter hour', () => {
  it('makes every local day of every zone in use an exact run of quarter hours, through 2027', () => {
    const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC'];
    const misaligned: string[] = [];
    for (const zone of zones) {
      for (let day = '2026-10-01'; day < '2028-01-01'; day = addDays(day, 1)) {
        if (dayStart(day, zone).getTime() % SLOT_MS !== 0) misaligned.push(`${zone} ${day}`);
      }
    }
    expect(misaligned).toEqual([]);
  });

  it('regroups quarter hours into the local days of a zone, the 25-hour DST day and a 45-minute offset included', () => {
    const figures = {
      channel: 'chat',
      agent_id: 'a1',
      features: '[]',
      credits_used: 10,
      responses: 1,
      conversations: 0,
    };
    const at = (iso: string) => ({ slot: slotOf(new Date(iso)), ...figures });
    const slots = [
      at('2026-11-01T03:45:00Z'),
      at('2026-11-01T04:00:00Z'),
      at('2026-11-02T04:45:00Z'),
      at('2026-11-02T05:00:00Z'),
      at('2026-11-02T05:00:00Z'),
    ];
    const days = (zone: string) => usageDaysOf(slots, zone).map((row) => [row.day, row.responses, row.credits_used]);
    expect(days('America/New_York')).toEqual([
      ['2026-10-31', 1, 10],
      ['2026-11-01', 2, 20],
      ['2026-11-02', 2, 20],
    ]);
    expect(days('UTC')).toEqual([
      ['2026-11-01', 2, 20],
      ['2026-11-02', 3, 30],
    ]);
    expect(usageDaysOf([at('2026-11-24T18:00:00Z'), at('2026-11-24T18:15:00Z')], 'Asia/Kathmandu')).toMatchObject([
      { day: '2026-11-24' },
      { day: '2026-11-25' },
    ]);
  });
});

describe('a feature set as a breakdown key', () => {
  it('is the sorted features joined, or none', () => {
    expect(featureKey(['voice:elevenlabs', 'tts'])).toBe('tts+voice:elevenlabs');
    expect(featureKey([])).toBe('none');
  });
});

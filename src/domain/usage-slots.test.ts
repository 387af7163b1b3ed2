import { describe, expect, it } from 'vitest';
import { addDays, dayStart } from './days.ts';
import { featureKey, SLOT_MS, slotOf, slotRange, slotRuns } from './usage-slots.ts';

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

  it('reads 96 quarter hours for a day, 92 and 100 on the DST days of New York', () => {
    const slots = (day: string) => {
      const range = slotRange({ from: day, to: day }, 'America/New_York');
      return range.end - range.start;
    };
    expect(slots('2026-11-25')).toBe(96);
    expect(slots('2026-03-08')).toBe(92);
    expect(slots('2026-11-01')).toBe(100);
    expect(slotRange({ from: '2026-11-25', to: '2026-11-25' }, 'Asia/Kathmandu').start).toBe(
      slotOf(new Date('2026-11-24T18:15:00Z')),
    );
  });

  it('numbers each quarter hour with the local day it falls in, a DST day as a run of its own', () => {
    const range = { from: '2026-10-30', to: '2026-11-03' };
    const runs = slotRuns(range, 'America/New_York');
    expect(runs.map((run) => [run.firstDay, run.regular, run.end - run.start])).toEqual([
      [0, true, 192],
      [2, false, 100],
      [3, true, 192],
    ]);
    expect(slotRuns({ from: '2026-11-02', to: '2026-11-30' }, 'UTC')).toHaveLength(1);
  });
});

describe('a feature set as a breakdown key', () => {
  it('is the sorted features joined, or none', () => {
    expect(featureKey(['voice:elevenlabs', 'tts'])).toBe('tts+voice:elevenlabs');
    expect(featureKey([])).toBe('none');
  });
});

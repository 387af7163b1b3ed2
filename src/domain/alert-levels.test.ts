import { describe, expect, it } from 'vitest';
import { type AlertLevel, DEFAULT_ALERT_LEVELS, levelCrossings, validateLevels } from './alert-levels.ts';
import type { TallyError } from './errors.ts';

const P1 = Date.UTC(2026, 10, 1);
const P2 = Date.UTC(2026, 11, 1);
const standing = (used: number, available = 100_000 - used) => ({ granted: 100_000, used, available });

describe('usage levels', () => {
  it('announces 50%, 80% and 100% by default, each once as usage climbs', () => {
    let reached: Record<string, number> = {};
    const announced: number[][] = [];
    for (const used of [10_000, 50_000, 60_000, 85_000, 90_000, 100_000, 100_000]) {
      const crossing = levelCrossings(DEFAULT_ALERT_LEVELS, reached, standing(used), P1);
      announced.push(crossing.news.map((level) => (level.kind === 'used_percent' ? level.basisPoints / 100 : -1)));
      reached = crossing.reached;
    }
    expect(announced).toEqual([[], [50], [], [80], [], [100], []]);
  });

  it('announces every level passed at once, in order', () => {
    const crossing = levelCrossings(DEFAULT_ALERT_LEVELS, {}, standing(95_000), P1);
    expect(crossing.news).toEqual(DEFAULT_ALERT_LEVELS.slice(0, 2));
  });

  it('announces a level again after it was left, and again in a new period', () => {
    const level: AlertLevel = { kind: 'credits_left', amount: 10_000 };
    const low = levelCrossings([level], {}, standing(95_000), P1);
    expect(low.news).toEqual([level]);
    expect(levelCrossings([level], low.reached, standing(96_000), P1).news).toEqual([]);
    // A top-up lifts it above the level: re-armed.
    const topped = levelCrossings([level], low.reached, { granted: 150_000, used: 96_000, available: 54_000 }, P1);
    expect(topped.reached).toEqual({});
    expect(levelCrossings([level], topped.reached, standing(95_000), P1).news).toEqual([level]);
    // Still under it when the next period starts: announced once for that period.
    expect(levelCrossings([level], low.reached, standing(95_000), P2).news).toEqual([level]);
  });

  it('never reaches a share of a period that granted nothing', () => {
    expect(levelCrossings(DEFAULT_ALERT_LEVELS, {}, { granted: 0, used: 5_000, available: 0 }, P1).news).toEqual([]);
  });

  it('refuses out-of-range, repeated or too many levels, naming the field', () => {
    const refused = (levels: AlertLevel[]) => {
      try {
        validateLevels(levels);
      } catch (error) {
        return (error as TallyError).details?.field;
      }
      return null;
    };
    expect(refused([{ kind: 'used_percent', basisPoints: 0 }])).toBe('levels.0.usedPercent');
    expect(refused([{ kind: 'used_percent', basisPoints: 10_001 }])).toBe('levels.0.usedPercent');
    expect(refused([{ kind: 'credits_left', amount: -1 }])).toBe('levels.0.creditsLeft');
    expect(
      refused([
        { kind: 'credits_left', amount: 5 },
        { kind: 'credits_left', amount: 5 },
      ]),
    ).toBe('levels.1');
    expect(refused(Array.from({ length: 11 }, (_, i) => ({ kind: 'credits_left', amount: i })))).toBe('levels');
    expect(refused([{ kind: 'used_percent', basisPoints: 7_500 }])).toBeNull();
  });
});

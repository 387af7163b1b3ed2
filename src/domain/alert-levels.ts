import type { Millicredits } from './amounts.ts';
import { TallyError } from './errors.ts';

/**
 * A usage level: a share of the period's credits used (in basis points, 8000 = 80%), or a number of
 * credits left (millicredits). Each is announced once when reached, and again only after it was left.
 */
export type AlertLevel = { kind: 'used_percent'; basisPoints: number } | { kind: 'credits_left'; amount: Millicredits };

/** Where a workspace stands in its current period. */
export interface UsageStanding {
  /** Credits the period granted, and credits used in it. */
  granted: Millicredits;
  used: Millicredits;
  available: Millicredits;
}

export const DEFAULT_ALERT_LEVELS: readonly AlertLevel[] = [
  { kind: 'used_percent', basisPoints: 5_000 },
  { kind: 'used_percent', basisPoints: 8_000 },
  { kind: 'used_percent', basisPoints: 10_000 },
];

export const MAX_ALERT_LEVELS = 10;
const FULL = 10_000;

/** A stable name for a level, e.g. `used_percent:8000` or `credits_left:150000`. */
export function levelKey(level: AlertLevel): string {
  return level.kind === 'used_percent' ? `used_percent:${level.basisPoints}` : `credits_left:${level.amount}`;
}

/** The share used in basis points; null while the period granted nothing, when no share can be reached. */
export function usedBasisPoints(standing: UsageStanding): number | null {
  if (standing.granted <= 0) return null;
  return Math.floor((Math.max(0, standing.used) * FULL) / standing.granted);
}

export function isReached(level: AlertLevel, standing: UsageStanding): boolean {
  if (level.kind === 'credits_left') return standing.available <= level.amount;
  const used = usedBasisPoints(standing);
  return used !== null && used >= level.basisPoints;
}

/** Checks a list of levels a workspace asks for; the field names are the API's. */
export function validateLevels(levels: readonly AlertLevel[]): AlertLevel[] {
  if (levels.length > MAX_ALERT_LEVELS) {
    throw new TallyError('invalid_request', `At most ${MAX_ALERT_LEVELS} levels.`, { field: 'levels' });
  }
  const seen = new Set<string>();
  return levels.map((level, index) => {
    if (level.kind === 'used_percent') {
      if (!Number.isSafeInteger(level.basisPoints) || level.basisPoints < 1 || level.basisPoints > FULL) {
        throw new TallyError(
          'invalid_request',
          'usedPercent must be more than 0 and at most 100, with at most 2 decimals.',
          {
            field: `levels.${index}.usedPercent`,
          },
        );
      }
    } else if (!Number.isSafeInteger(level.amount) || level.amount < 0) {
      throw new TallyError('invalid_request', 'creditsLeft must be zero or more credits.', {
        field: `levels.${index}.creditsLeft`,
      });
    }
    const key = levelKey(level);
    if (seen.has(key)) {
      throw new TallyError('invalid_request', 'The same level is listed twice.', { field: `levels.${index}` });
    }
    seen.add(key);
    return level;
  });
}

/**
 * Compares the levels with where the workspace stands. `reached` maps a level's key to the start of
 * the period it was reached in. A level reached now and not yet in this period is news; a level no
 * longer reached leaves the map, so it is announced again when reached again.
 */
export function levelCrossings(
  levels: readonly AlertLevel[],
  reached: Readonly<Record<string, number>>,
  standing: UsageStanding,
  periodStart: number,
): { news: AlertLevel[]; reached: Record<string, number> } {
  const next: Record<string, number> = {};
  const news: AlertLevel[] = [];
  for (const level of levels) {
    if (!isReached(level, standing)) continue;
    const key = levelKey(level);
    if (reached[key] !== periodStart) news.push(level);
    next[key] = periodStart;
  }
  return { news, reached: next };
}

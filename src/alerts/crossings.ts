import type { Millicredits } from '../domain/amounts.ts';

/** Where a workspace's available credits stand against its low-credit line. */
export type CreditState = 'ok' | 'low' | 'depleted';

export type CreditEventType = 'credits.low' | 'credits.depleted' | 'credits.recovered';

/** Depleted at zero or less; low at or under the line (the same rule GET /v1/balance uses); ok above it. */
export function creditState(available: Millicredits, line: Millicredits): CreditState {
  if (available <= 0) return 'depleted';
  if (available <= line) return 'low';
  return 'ok';
}

/**
 * The events a move between states fires, in order. Falling from ok straight to zero crosses both
 * lines, so it fires both. Climbing from depleted to low fires nothing: it crossed no line downward,
 * and it is not yet back above the threshold. `announced` says whether `from` was ever announced;
 * a recovery from a state nobody was told of is no news.
 */
export function crossingEvents(from: CreditState, to: CreditState, announced: boolean): CreditEventType[] {
  if (from === to) return [];
  if (to === 'ok') return announced ? ['credits.recovered'] : [];
  if (to === 'low') return from === 'ok' ? ['credits.low'] : [];
  return from === 'ok' ? ['credits.low', 'credits.depleted'] : ['credits.depleted'];
}

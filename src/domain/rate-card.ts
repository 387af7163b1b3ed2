import type { Millicredits } from './amounts.ts';
import { TallyError } from './errors.ts';

/**
 * What a response costs. Every response pays `baseCost`; each feature it used adds its surcharge
 * (for example `voice:elevenlabs` adds 500 so a premium spoken reply costs 1.5 credits).
 */
export interface RateCard {
  version: number;
  effectiveAt: Date;
  baseCost: Millicredits;
  features: Readonly<Record<string, Millicredits>>;
}

/** The version in force at `at`: the latest one whose effective time is not after it. */
export function rateCardAt(cards: readonly RateCard[], at: Date): RateCard | null {
  let best: RateCard | null = null;
  for (const card of cards) {
    if (card.effectiveAt.getTime() <= at.getTime() && (!best || card.effectiveAt > best.effectiveAt)) best = card;
  }
  return best;
}

/** Prices `count` responses that used `features`; an unknown feature is refused rather than priced as free. */
export function priceResponse(card: RateCard, features: readonly string[], count = 1): Millicredits {
  let unit = card.baseCost;
  for (const feature of new Set(features)) {
    const surcharge = card.features[feature];
    if (surcharge === undefined) {
      throw new TallyError(
        'invalid_request',
        `Unknown feature "${feature}". Known features: ${Object.keys(card.features).join(', ') || 'none'}.`,
        { field: 'features', feature },
      );
    }
    unit += surcharge;
  }
  return unit * count;
}

import { describe, expect, it } from 'vitest';
import { TallyError } from './errors.ts';
import { LAUNCH_RATE_CARD } from './launch-rate-card.ts';
import { priceResponse, type RateCard, rateCardAt } from './rate-card.ts';

const launch: RateCard = { version: 1, effectiveAt: new Date('2026-01-01T00:00:00Z'), ...LAUNCH_RATE_CARD };
const spring: RateCard = {
  version: 2,
  effectiveAt: new Date('2026-04-01T00:00:00Z'),
  baseCost: 1000,
  features: { 'voice:elevenlabs': 750, 'model:large': 2000 },
};
const summer: RateCard = {
  version: 3,
  effectiveAt: new Date('2026-07-01T00:00:00Z'),
  baseCost: 1250,
  features: { 'voice:elevenlabs': 750 },
};

describe('choosing the rate card in force', () => {
  it('uses the latest version whose effective time is not after the response', () => {
    const cards = [summer, launch, spring];
    expect(rateCardAt(cards, new Date('2026-02-15T00:00:00Z'))?.version).toBe(1);
    expect(rateCardAt(cards, new Date('2026-05-15T00:00:00Z'))?.version).toBe(2);
    expect(rateCardAt(cards, new Date('2026-12-31T00:00:00Z'))?.version).toBe(3);
  });

  it('applies a new version from its effective instant exactly', () => {
    const cards = [launch, spring];
    expect(rateCardAt(cards, new Date(spring.effectiveAt.getTime() - 1))?.version).toBe(1);
    expect(rateCardAt(cards, spring.effectiveAt)?.version).toBe(2);
  });

  it('finds no card for a time before the first version', () => {
    expect(rateCardAt([launch, spring], new Date('2025-12-31T23:59:59Z'))).toBeNull();
    expect(rateCardAt([], new Date())).toBeNull();
  });
});

describe('pricing a response', () => {
  it('charges 1 credit for a plain response on the launch card', () => {
    expect(priceResponse(launch, [])).toBe(1000);
  });

  it('charges 1.5 credits for a response spoken with an ElevenLabs voice', () => {
    expect(priceResponse(launch, ['voice:elevenlabs'])).toBe(1500);
  });

  it('adds each feature once, however often it is named', () => {
    expect(priceResponse(spring, ['voice:elevenlabs', 'model:large', 'voice:elevenlabs'])).toBe(3750);
  });

  it('multiplies by the number of responses', () => {
    expect(priceResponse(launch, ['voice:elevenlabs'], 4)).toBe(6000);
  });

  it('prices the same response differently only through a different version', () => {
    expect(priceResponse(launch, ['voice:elevenlabs'])).toBe(1500);
    expect(priceResponse(summer, ['voice:elevenlabs'])).toBe(2000);
  });

  it('refuses a feature the card does not know instead of pricing it as free', () => {
    let error: unknown;
    try {
      priceResponse(summer, ['voice:elevenlabs', 'model:large']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TallyError);
    expect(error).toMatchObject({ code: 'invalid_request', details: { field: 'features', feature: 'model:large' } });
    expect((error as TallyError).message).toContain('voice:elevenlabs');
  });

  it('refuses any feature on a card that has none', () => {
    const plain: RateCard = { version: 9, effectiveAt: launch.effectiveAt, baseCost: 1000, features: {} };
    expect(() => priceResponse(plain, ['voice:elevenlabs'])).toThrow(/Known features: none/);
  });
});

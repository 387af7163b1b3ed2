import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { priceResponse, type RateCard, rateCardAt } from '../domain/rate-card.ts';
import type { LedgerReader } from '../store/store.ts';

/** Prices responses by the rate card version in force at `at`. */
export async function price(
  tx: LedgerReader,
  features: readonly string[],
  count: number,
  at: Date,
): Promise<{ cost: Millicredits; card: RateCard }> {
  const card = rateCardAt(await tx.rateCards(), at);
  if (!card)
    throw new TallyError('invalid_request', `No rate card is in force at ${at.toISOString()}.`, {
      field: 'occurredAt',
    });
  return { cost: priceResponse(card, features, count), card };
}

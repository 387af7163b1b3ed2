import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import type { RateCard } from '../domain/rate-card.ts';
import type { Context } from './context.ts';

export interface NewRateCard {
  /** When the new prices take effect: now or later, never in the past, so recorded responses keep their price. */
  effectiveAt: Date;
  baseCost: Millicredits;
  features: Record<string, Millicredits>;
}

const FEATURE = /^[a-z0-9][a-z0-9:._-]{0,63}$/;

export async function listRateCards({ ctx }: { ctx: Pick<Context, 'store'> }): Promise<RateCard[]> {
  return ctx.store.reader().rateCards();
}

/** Adds a rate card version. Versions are append-only: a price change is a new version with a later effective time. */
export async function publishRateCard({ ctx, input }: { ctx: Context; input: NewRateCard }): Promise<RateCard> {
  const now = ctx.clock();
  if (Number.isNaN(input.effectiveAt.getTime()) || input.effectiveAt.getTime() < now.getTime()) {
    throw new TallyError(
      'invalid_request',
      'effectiveAt must be now or later; responses already recorded keep their price.',
      {
        field: 'effectiveAt',
      },
    );
  }
  if (!Number.isSafeInteger(input.baseCost) || input.baseCost < 0) {
    throw new TallyError('invalid_request', 'baseCost must be zero or more credits.', { field: 'baseCost' });
  }
  for (const [feature, surcharge] of Object.entries(input.features)) {
    if (!FEATURE.test(feature)) {
      throw new TallyError(
        'invalid_request',
        `Feature name "${feature}" must be lowercase letters, digits and : . _ -.`,
        {
          field: 'features',
        },
      );
    }
    if (!Number.isSafeInteger(surcharge) || surcharge < 0) {
      throw new TallyError('invalid_request', `The surcharge for ${feature} must be zero or more credits.`, {
        field: 'features',
      });
    }
  }
  return ctx.store.transaction(async (_tx, trx) => {
    const latest = await trx
      .selectFrom('rate_cards')
      .select(['version', 'effective_at'])
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest && Number(latest.effective_at) >= input.effectiveAt.getTime()) {
      throw new TallyError('conflict', 'A rate card version already takes effect at or after that time.', {
        field: 'effectiveAt',
      });
    }
    const card: RateCard = { version: (latest?.version ?? 0) + 1, ...input };
    // Another publish may have read the same latest version and taken this one first (PostgreSQL
    // runs them side by side): the unique key decides, and the loser is a conflict, not a 500.
    const inserted = await trx
      .insertInto('rate_cards')
      .values({
        version: card.version,
        effective_at: card.effectiveAt.getTime(),
        base_cost: card.baseCost,
        features: JSON.stringify(card.features),
        created_at: now.getTime(),
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning('version')
      .executeTakeFirst();
    if (!inserted) {
      throw new TallyError(
        'conflict',
        'Another rate card version was published at the same moment; read them and retry.',
        {
          field: 'effectiveAt',
        },
      );
    }
    return card;
  });
}

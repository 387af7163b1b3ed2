import { Type } from '@sinclair/typebox';
import { RateCardBody, RateCardReply } from '../../contract/rate-cards.ts';
import type { RateCard } from '../../domain/rate-card.ts';
import type { Context } from '../../ledger/context.ts';
import { listRateCards, publishRateCard } from '../../ledger/rate-cards.ts';
import { requireAnyKey, requireOperator } from '../auth.ts';
import { iso, parseTime, toCredits, toMillicredits } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';

const reply = (card: RateCard) => ({
  version: card.version,
  effectiveAt: iso(card.effectiveAt),
  baseCost: toCredits(card.baseCost),
  features: Object.fromEntries(Object.entries(card.features).map(([name, cost]) => [name, toCredits(cost)])),
});

/** What a response costs: every version, and the operator's way to publish a new one. */
export function rateCardRoutes(ctx: Context) {
  return (app: App) => {
    app.get(
      '/v1/rate-cards',
      {
        preHandler: requireAnyKey,
        schema: {
          operationId: 'listRateCards',
          summary: 'Every rate card version, oldest first',
          tags: ['read'],
          response: { 200: Type.Object({ rateCards: Type.Array(RateCardReply) }) },
        },
      },
      async () => ({ rateCards: (await listRateCards({ ctx })).map(reply) }),
    );

    app.post(
      '/v1/rate-cards',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'publishRateCard',
          summary: 'Publish a new rate card version',
          description:
            'Takes effect at effectiveAt (now or later); responses are priced by the version in force at their time.',
          tags: ['operator'],
          body: RateCardBody,
          response: { 201: RateCardReply, ...serviceErrors(409) },
        },
      },
      async (request, res) => {
        const body = request.body;
        const card = await publishRateCard({
          ctx,
          input: {
            effectiveAt: parseTime(body.effectiveAt, 'effectiveAt') ?? new Date(Number.NaN),
            baseCost: toMillicredits(body.baseCost, 'baseCost'),
            features: Object.fromEntries(
              Object.entries(body.features).map(([name, cost]) => [name, toMillicredits(cost, `features.${name}`)]),
            ),
          },
        });
        return res.code(201).send(reply(card));
      },
    );
  };
}

import { expect, it } from 'vitest';
import { contextAt } from '../../test/support/context.ts';
import { describeStores } from '../../test/support/stores.ts';
import { TallyError } from '../domain/errors.ts';
import { listRateCards, publishRateCard } from './rate-cards.ts';

describeStores('publishing rate cards at the same moment', (ctx) => {
  it('publishes each or refuses it as a conflict, never a database error (found by the fuzz test)', async () => {
    const now = new Date('2026-11-20T10:00:00Z');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        publishRateCard({
          ctx: contextAt(ctx.store, now),
          input: { effectiveAt: new Date(Date.UTC(2026, 11, i + 1)), baseCost: 1000, features: {} },
        }),
      ),
    );
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    const notConflicts = failures.filter((error) => !(error instanceof TallyError && error.code === 'conflict'));
    expect(notConflicts).toEqual([]);
    const published = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.version] : []));
    expect(published.length).toBeGreaterThan(0);
    const versions = (await listRateCards({ ctx })).map((card) => card.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(versions.slice(1).sort((a, b) => a - b)).toEqual([...published].sort((a, b) => a - b));
  });
});

import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.ts';
import { contextAt } from '../../../test/support/context.ts';
import { workspaceWithCredits } from '../../../test/support/ledger.ts';
import { sqliteFactory } from '../../../test/support/stores.ts';
import { chargeResponse } from '../../ledger/charge-response.ts';
import { publishRateCard } from '../../ledger/rate-cards.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => close?.());

it('prices by the card that committed, never by one read in a group whose COMMIT failed', async () => {
  const { store } = await sqliteFactory.create();
  close = () => store.close();
  const clock = new TestClock();
  const ws = await workspaceWithCredits(store, 100, clock.now());
  const chat = (id: string) => ({
    workspaceId: ws,
    id,
    conversationId: 'conv-1',
    channel: 'chat' as const,
    agentId: 'a',
  });

  // Three callers queued together share one COMMIT: a publish of version 2, a charge that prices
  // with it, and a caller whose deferred foreign-key violation makes that COMMIT fail.
  const outcomes = await Promise.allSettled([
    publishRateCard({
      ctx: contextAt(store, clock.now()),
      input: { effectiveAt: clock.now(), baseCost: 7000, features: {} },
    }),
    chargeResponse({ ctx: contextAt(store, clock.now()), input: chat('r1') }),
    store.transaction(async (_tx, trx) => {
      await sql`pragma defer_foreign_keys = on`.execute(trx);
      await sql`insert into grants (workspace_id, id, source, amount, remaining, priority, effective_at, reason, fingerprint, created_at)
                values ('ws_missing', 'g', 'promotion', 1, 1, 0, 0, 'orphan', 'f', 0)`.execute(trx);
    }),
  ]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);

  // Version 2 never existed; the one published now has other prices.
  const card = await publishRateCard({
    ctx: contextAt(store, clock.now()),
    input: { effectiveAt: clock.now(), baseCost: 3000, features: {} },
  });
  expect(card.version).toBe(2);
  expect((await chargeResponse({ ctx: contextAt(store, clock.now()), input: chat('r2') })).cost).toBe(3000);
});

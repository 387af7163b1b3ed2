import { expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { describeStores, openStoreAt } from '../../test/support/stores.ts';
import type { LedgerReader, Store } from '../store/store.ts';
import { getBalance } from './balance.ts';
import { chargeResponse } from './charge-response.ts';
import { checkCredits } from './check-credits.ts';
import { grantCredits } from './grant-credits.ts';
import { createWorkspace } from './workspaces.ts';

/** `store` whose next read, right after it reads the account, waits while `between` commits. */
function interleaved(store: Store, between: () => Promise<void>): Store {
  let done = false;
  const hooked = (reader: LedgerReader): LedgerReader => {
    const wrapped = Object.create(reader) as LedgerReader;
    wrapped.readAccount = async (workspaceId) => {
      const account = await reader.readAccount(workspaceId);
      if (!done) {
        done = true;
        await between();
      }
      return account;
    };
    return wrapped;
  };
  return {
    ...store,
    reader: () => hooked(store.reader()),
    snapshot: (fn) => store.snapshot((reader, db) => fn(hooked(reader), db)),
  };
}

describeStores('reading a balance while a grant commits', (ctx) => {
  it('sees the books before the grant or after it, never parts of both', async () => {
    const clock = new TestClock();
    const ws = await createWorkspace({
      ctx: contextAt(ctx.store, clock.now()),
      input: { name: 'Acme', plan: 'free', overageLimit: 100_000 },
    });
    for (const id of ['r1', 'r2', 'r3']) {
      await chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws.id, id, conversationId: 'c1', channel: 'chat', agentId: 'a1' },
      });
    }
    const before = (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } }))
      .available;
    expect(before).toBe(-3000);
    // Another process grants 5 credits; 3 of them repay the overage debt at once.
    const other = await openStoreAt(ctx.location);
    let granted = 0;
    const grant = async () => {
      granted += 1;
      await grantCredits({
        ctx: contextAt(other, clock.now()),
        input: { workspaceId: ws.id, id: `g${granted}`, amount: 5000, source: 'promotion', reason: 'mid-read' },
      });
    };
    try {
      const balance = await getBalance({
        ctx: contextAt(interleaved(ctx.store, grant), clock.now()),
        input: { workspaceId: ws.id },
      });
      expect([before, before + 5000]).toContain(balance.available);
      const remaining = balance.grants.reduce((sum, g) => sum + g.remaining, 0);
      // Every credit granted this period is still there, was spent, or repaid debt that usage ran up.
      expect(balance.period.granted - remaining + balance.overageDebt).toBe(balance.period.used);

      const now = (await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws.id } }))
        .available;
      const check = await checkCredits({
        ctx: contextAt(interleaved(ctx.store, grant), clock.now()),
        input: { workspaceId: ws.id },
      });
      expect([now, now + 5000]).toContain(check.available);
    } finally {
      await other.close();
    }
  });
});

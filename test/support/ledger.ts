import type { Clock } from '../../src/domain/clock.ts';
import type { GrantSource } from '../../src/domain/grants.ts';
import { AccountState } from '../../src/ledger/account-state.ts';
import { ChargeCoalescer } from '../../src/ledger/charge-coalescer.ts';
import { chargeWithState, type ResponseInput } from '../../src/ledger/charge-response.ts';
import type { LedgerContext } from '../../src/ledger/context.ts';
import { addGrant, grantCredits } from '../../src/ledger/grant-credits.ts';
import { createWorkspace } from '../../src/ledger/workspaces.ts';
import type { Store } from '../../src/store/store.ts';
import { contextAt } from './context.ts';

/** The ledger's context on `store` with a clock that moves (a TestClock's `now`), charges coalescing as in the app. */
export function ledgerContext(store: Store, clock: Clock): LedgerContext {
  return { store, clock, charges: new ChargeCoalescer({ ctx: { store, clock } }) };
}

/** A fresh workspace on the free plan holding `credits` in one grant `g1` (none when 0): where most ledger cases start. */
export async function workspaceWithCredits(
  store: Store,
  credits: number,
  at: Date,
  options: { overageLimit?: number; source?: GrantSource; reason?: string } = {},
): Promise<string> {
  const ws = await createWorkspace({
    ctx: contextAt(store, at),
    input: { name: 'Acme', plan: 'free', overageLimit: options.overageLimit ?? 0 },
  });
  if (credits > 0) {
    await grantCredits({
      ctx: contextAt(store, at),
      input: {
        workspaceId: ws.id,
        id: 'g1',
        amount: credits * 1000,
        source: options.source ?? 'promotion',
        reason: options.reason ?? 'welcome',
      },
    });
  }
  return ws.id;
}

/**
 * One ledger transaction that grants `credits` (grant `grantId`) and then charges `chats` 1-credit
 * chats: no single request does both, but the balance observers must count both when they decide.
 */
export async function grantThenChargeTogether(
  store: Store,
  workspaceId: string,
  grant: { id: string; credits: number },
  chats: number,
  at: Date,
): Promise<void> {
  await store.transaction(async (tx, db) => {
    const state = await AccountState.open(tx, workspaceId, at);
    await addGrant({
      ctx: { tx, now: at, state },
      input: { workspaceId, id: grant.id, amount: grant.credits * 1000, source: 'promotion', reason: 'test' },
    });
    for (let i = 0; i < chats; i += 1) {
      const id = `${grant.id}-chat-${i}`;
      await chargeWithState({
        ctx: { tx, db, now: at, state },
        input: { workspaceId, id, conversationId: id, channel: 'chat', agentId: 'a1' },
      });
    }
    await state.flush();
  });
}

/** A spoken reply on call `call-1` by `agent-1`: the response most ledger cases charge. */
export const callResponse = (workspaceId: string, id: string, extra: Partial<ResponseInput> = {}): ResponseInput => ({
  workspaceId,
  id,
  conversationId: 'call-1',
  channel: 'call',
  agentId: 'agent-1',
  ...extra,
});

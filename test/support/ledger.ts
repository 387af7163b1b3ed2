import type { GrantSource } from '../../src/domain/grants.ts';
import { grantCredits } from '../../src/ledger/grant-credits.ts';
import { createWorkspace } from '../../src/ledger/workspaces.ts';
import type { Store } from '../../src/store/store.ts';

/** A fresh workspace on the free plan holding `credits` in one grant `g1` (none when 0): where most ledger cases start. */
export async function workspaceWithCredits(
  store: Store,
  credits: number,
  at: Date,
  options: { overageLimit?: number; source?: GrantSource; reason?: string } = {},
): Promise<string> {
  const ws = await createWorkspace(store, { name: 'Acme', plan: 'free', overageLimit: options.overageLimit ?? 0 }, at);
  if (credits > 0) {
    await grantCredits(
      store,
      {
        workspaceId: ws.id,
        id: 'g1',
        amount: credits * 1000,
        source: options.source ?? 'promotion',
        reason: options.reason ?? 'welcome',
      },
      at,
    );
  }
  return ws.id;
}

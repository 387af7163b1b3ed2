import { decideTopUp, mayBuyThisMonth } from '../../domain/auto-top-up.ts';
import { randomId } from '../../ledger/random-id.ts';
import type { Db } from '../../store/schema.ts';
import type { BalanceChange } from '../../store/store.ts';
import type { Catalog } from '../catalog.ts';
import type { BillingContext } from '../context.ts';
import type { PaymentsMode } from '../payments-mode.ts';
import { minorUnits } from '../stripe/stripe-payments.ts';
import { countBoughtInMonth, findSettings, insertAttempt, setArmed, type TopUpSettings, takeCrossing } from './rows.ts';

/** Starts deciding top-ups in every ledger transaction on the context's store. */
export function observeAutoTopUps({ ctx }: { ctx: Pick<BillingContext, 'store' | 'catalog' | 'payments'> }): void {
  const { store, catalog, payments } = ctx;
  store.observeBalances('auto-top-up', {
    load: (db, workspaceId) => findSettings(db, workspaceId),
    decide: (change, settings, db) => decideOnBalanceChange(change, settings, db, catalog, payments),
  });
}

/**
 * Decides auto top-ups inside every ledger transaction, under the workspace's account lock: a fall
 * below the threshold while armed is one crossing, which writes one `pending` attempt (unique per
 * workspace and crossing) and disarms. Paying happens after the commit, in the payer. A charge never
 * fails because of auto top-up: a pack the catalog no longer has, or payments turned off, buys nothing.
 * A crossing past the month's ceiling stays armed, so the first ledger change of the next month buys.
 * `settings` were read before the transaction wrote anything (only this observer writes them); it
 * reads again only at a crossing, the month's count and the crossing's number.
 */
async function decideOnBalanceChange(
  change: BalanceChange,
  settings: TopUpSettings | null,
  trx: Db,
  catalog: Catalog,
  payments: PaymentsMode,
): Promise<void> {
  if (!settings?.enabled) return;
  const decision = decideTopUp(settings, change.before, change.after);
  if (decision.kind === 'none') {
    if (decision.armed !== settings.armed) await setArmed(trx, change.workspaceId, decision.armed, change.at);
    return;
  }
  const pack = catalog.packs.find((p) => p.id === settings.pack);
  if (payments === 'off' || !pack) return;
  // Past the month's ceiling the crossing waits, still armed: the first change of next month buys.
  const bought = await countBoughtInMonth(trx, change.workspaceId, change.at);
  if (!mayBuyThisMonth(bought, settings.maxPerMonth)) return;
  const crossing = await takeCrossing(trx, change.workspaceId, change.at);
  await insertAttempt(
    trx,
    {
      id: randomId('atu'),
      workspaceId: change.workspaceId,
      packId: pack.id,
      packName: pack.name,
      credits: pack.credits,
      validityMonths: pack.validityMonths,
      amount: minorUnits(pack.price),
      currency: pack.currency,
      provider: payments,
      createdAt: change.at,
    },
    crossing,
  );
}

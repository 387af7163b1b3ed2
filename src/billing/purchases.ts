import type { Grant } from '../domain/grants.ts';
import { addMonthsClamped } from '../domain/periods.ts';
import { AccountState } from '../ledger/account-state.ts';
import type { Call } from '../ledger/context.ts';
import { addGrant } from '../ledger/grant-credits.ts';
import type { BillingTxContext } from './context.ts';

/** A pack as bought: taken from the Checkout Session's metadata, so a later catalog edit cannot change what was paid for. */
export interface PackBought {
  id: string;
  name: string;
  credits: number;
  validityMonths: number;
}

export const purchaseGrantId = (paymentId: string): string => `purchase:${paymentId}`;

/**
 * Grants a bought pack once per payment: the grant id is the payment's, so a redelivered Stripe
 * event or a retried manual purchase finds the grant and returns it unchanged. The pack's credits
 * are valid for its validity months from the purchase.
 */
export async function completePurchase({
  ctx,
  input,
}: Call<
  Omit<BillingTxContext, 'catalog'>,
  {
    workspaceId: string;
    pack: PackBought;
    payment: { provider: 'stripe'; id: string } | { provider: 'manual'; id: string; askedBy: 'workspace' | 'operator' };
  }
>): Promise<{ grant: Grant; replayed: boolean }> {
  const { tx, db, now, events } = ctx;
  const { workspaceId, pack, payment } = input;
  const id = purchaseGrantId(payment.id);
  const state = await AccountState.open(tx, workspaceId, now);
  const existing = await tx.findGrant(workspaceId, id);
  if (existing) {
    await state.flush();
    const { fingerprint: _ignored, ...grant } = existing;
    return { grant, replayed: true };
  }
  const { grant } = await addGrant({
    ctx: { tx, now, state },
    input: {
      workspaceId,
      id,
      amount: pack.credits,
      source: 'purchase',
      reason:
        payment.provider === 'stripe'
          ? `${pack.name} pack bought (Stripe Checkout ${payment.id})`
          : payment.askedBy === 'workspace'
            ? `${pack.name} pack bought by the workspace, granted without payment (${payment.id}): to invoice`
            : `${pack.name} pack recorded by the operator (${payment.id})`,
      expiresAt: addMonthsClamped(now, pack.validityMonths),
    },
  });
  await state.flush();
  await events.purchaseCompleted?.(
    { workspaceId, packId: pack.id, grant, provider: payment.provider, paymentId: payment.id },
    { trx: db, at: now },
  );
  return { grant, replayed: false };
}

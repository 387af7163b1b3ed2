import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { AccountState } from './account-state.ts';
import type { Context } from './context.ts';
import { fingerprint } from './fingerprint.ts';

export interface RefundInput {
  workspaceId: string;
  responseId: string;
  /** Why the response is refunded: written on the refund's ledger lines. */
  reason: string;
}

export interface RefundResult {
  id: string;
  refunded: Millicredits;
  available: Millicredits;
  replayed: boolean;
}

/**
 * Gives a charged response's cost back to the grants it came from (credits of a grant that has
 * expired since are written off again at once). Refunding twice refunds once.
 */
export async function refundResponse({ ctx, input }: { ctx: Context; input: RefundInput }): Promise<RefundResult> {
  const now = ctx.clock();
  const { workspaceId, responseId, reason } = input;
  if (reason.trim() === '')
    throw new TallyError('invalid_request', 'reason must say why the response is refunded.', { field: 'reason' });
  return ctx.store.transaction(async (tx) => {
    const state = await AccountState.open(tx, workspaceId, now, { responseIds: [responseId] });
    const response = await tx.findResponse(workspaceId, responseId);
    if (!response) throw new TallyError('not_found', `Response ${responseId} does not exist.`);
    const available = async () => state.available(await tx.heldAmount(workspaceId, now));
    if (response.status === 'refunded') {
      await state.flush();
      return { id: responseId, refunded: response.cost, available: await available(), replayed: true };
    }
    await tx.markResponseRefunded(workspaceId, responseId);
    const unplaced = await state.refund(response.draws, responseId, `refund: ${reason}`);
    state.limits?.refund({ agentId: response.agentId, cost: response.cost, chargedAt: response.createdAt });
    if (unplaced > 0) {
      // The overage this response borrowed was already repaid from later credits: return it as an adjustment.
      await state.credit({
        id: `refund-${fingerprint({ responseId }).slice(0, 16)}`,
        workspaceId,
        source: 'adjustment',
        amount: unplaced,
        remaining: unplaced,
        priority: 0,
        effectiveAt: now,
        expiresAt: null,
        createdAt: now,
        reason: `refund of repaid overage for response ${responseId}: ${reason}`,
        fingerprint: fingerprint({ refundOf: responseId }),
      });
    }
    state.bumpRollup({
      workspaceId,
      at: response.occurredAt,
      features: response.features,
      channel: response.channel,
      agentId: response.agentId,
      creditsUsed: -response.cost,
      responses: 0,
      conversations: 0,
    });
    await state.flush();
    return { id: responseId, refunded: response.cost, available: await available(), replayed: false };
  });
}

import type { Grant } from '../../domain/grants.ts';
import { listWorkspaceGrantsByIdPrefix } from '../../ledger/grant-list.ts';
import { purchaseGrantId } from '../purchases.ts';
import type { HistoryEntry, HistoryKind, HistorySource } from './billing-history.ts';

function fromGrant(kind: HistoryKind, grant: Grant): HistoryEntry {
  return {
    id: grant.id,
    at: grant.effectiveAt,
    kind,
    description: grant.reason,
    credits: grant.amount,
    amount: null,
    documentUrl: null,
  };
}

const grantsStartingWith =
  (kind: HistoryKind, prefixes: readonly string[]): HistorySource =>
  async ({ ctx, input }) =>
    (await listWorkspaceGrantsByIdPrefix({ ctx, input: { workspaceId: input.workspaceId, prefixes } })).map((grant) =>
      fromGrant(kind, grant),
    );

/** Each period's allocation and the credits rolled over into it (ids from period-grants.ts). */
export const renewals = grantsStartingWith('renewal', ['period:', 'rollover:']);

/** Upgrades, with the difference in credits they granted for the rest of the period. */
export const planChanges = grantsStartingWith('plan_change', ['upgrade:']);

/** Packs bought, through Stripe or by hand. */
export const purchases = grantsStartingWith('purchase', [purchaseGrantId('')]);

import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';
import { getBalance } from './balance.ts';
import { ChargeCoalescer } from './charge-coalescer.ts';
import { chargeBatch, type ResponseInput } from './charge-response.ts';
import { type CheckInput, checkCredits } from './check-credits.ts';
import { type GrantInput, grantCredits } from './grant-credits.ts';
import { listRateCards, type NewRateCard, publishRateCard } from './rate-cards.ts';
import { type ConversationInput, recordConversation } from './record-conversation.ts';
import { refundResponse } from './refund-response.ts';
import { type ReserveInput, releaseReservation, reserveCredits } from './reservations.ts';
import { getSpendLimits, type LimitsInput, setSpendLimits } from './spend-limits.ts';
import { getStatement } from './statement.ts';
import { verifyLedger } from './verify-ledger.ts';
import { createWorkspace, getWorkspace, listWorkspaces, type NewWorkspace } from './workspaces.ts';

/** The ledger's use cases bound to one store and clock: what the HTTP layer and the CLI call. */
export function createLedger(store: Store, clock: Clock, options: { chargeQueueLimit?: number } = {}) {
  const charges = new ChargeCoalescer(store, clock, options.chargeQueueLimit);
  return {
    createWorkspace: (input: NewWorkspace) => createWorkspace({ ctx: { store, clock }, input }),
    getWorkspace: (id: string) => getWorkspace({ ctx: { store }, input: { workspaceId: id } }),
    listWorkspaces: (after: string | null, limit: number) =>
      listWorkspaces({ ctx: { store }, input: { after, limit } }),
    grant: (input: GrantInput) => grantCredits(store, input, clock()),
    /** Concurrent charges of one workspace share a transaction: see ChargeCoalescer. */
    charge: (input: ResponseInput) => charges.charge(input),
    chargeBatch: (workspaceId: string, inputs: readonly ResponseInput[]) =>
      chargeBatch(store, workspaceId, inputs, clock()),
    recordConversation: (input: ConversationInput) => recordConversation(store, input, clock()),
    check: (input: CheckInput) => checkCredits(store, input, clock()),
    reserve: (input: ReserveInput) => reserveCredits(store, input, clock()),
    release: (workspaceId: string, reservationId: string) =>
      releaseReservation(store, workspaceId, reservationId, clock()),
    refund: (workspaceId: string, responseId: string, reason: string) =>
      refundResponse(store, workspaceId, responseId, reason, clock()),
    balance: (workspaceId: string) => getBalance(store, workspaceId, clock()),
    spendLimits: (workspaceId: string) => getSpendLimits(store, workspaceId, clock()),
    setSpendLimits: (workspaceId: string, input: LimitsInput) => setSpendLimits(store, workspaceId, input, clock()),
    statement: (workspaceId: string, after: string | null, limit: number) =>
      getStatement(store, workspaceId, after, limit),
    verify: () => verifyLedger(store),
    rateCards: () => listRateCards(store),
    publishRateCard: (input: NewRateCard) => publishRateCard(store, input, clock()),
  };
}

export type Ledger = ReturnType<typeof createLedger>;

import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { canAfford } from '../domain/overage.ts';
import type { Hold, LedgerTx } from '../store/store.ts';
import { AccountState } from './account-state.ts';
import { validateCount } from './check-credits.ts';
import type { Call, Context } from './context.ts';
import { fingerprint } from './fingerprint.ts';
import { price } from './pricing.ts';
import { randomId } from './random-id.ts';
import { keepingLimitRefusal, unwrap } from './spend-limit-tracker.ts';

export interface ReserveInput {
  workspaceId: string;
  features?: string[];
  count?: number;
  ttlSeconds?: number;
  idempotencyKey?: string;
  /** The agent the hold is for: its own spend limit is checked too. */
  agentId?: string;
}

export const DEFAULT_HOLD_TTL_SECONDS = 60;
export const MAX_HOLD_TTL_SECONDS = 3600;

/**
 * Sets credits aside for responses about to be generated. A hold stops holding at `expiresAt`
 * because every read of held credits compares against the clock; no sweeper is needed.
 */
export async function reserveCredits({
  ctx,
  input,
}: Call<Context, ReserveInput>): Promise<{ hold: Hold; replayed: boolean }> {
  const now = ctx.clock();
  const count = validateCount(input.count);
  const ttl = input.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_HOLD_TTL_SECONDS) {
    throw new TallyError('invalid_request', `ttlSeconds must be a whole number from 1 to ${MAX_HOLD_TTL_SECONDS}.`, {
      field: 'ttlSeconds',
    });
  }
  const features = [...new Set(input.features ?? [])].sort();
  const print = fingerprint({ features, count, ttl, ...(input.agentId ? { agentId: input.agentId } : {}) });
  const outcome = await ctx.store.transaction(async (tx) => {
    const state = await AccountState.open(tx, input.workspaceId, now, {
      holdKeys: input.idempotencyKey ? [input.idempotencyKey] : [],
    });
    const held = await keepingLimitRefusal(() => holdWithState(tx, state, input, { features, count, ttl, print }, now));
    await state.flush();
    return held;
  });
  return unwrap(outcome);
}

async function holdWithState(
  tx: LedgerTx,
  state: AccountState,
  input: ReserveInput,
  { features, count, ttl, print }: { features: string[]; count: number; ttl: number; print: string },
  now: Date,
): Promise<{ hold: Hold; replayed: boolean }> {
  if (input.idempotencyKey) {
    const seen = await tx.findHoldByKey(input.workspaceId, input.idempotencyKey);
    if (seen) {
      if (seen.fingerprint !== print) {
        throw new TallyError('idempotency_conflict', 'This Idempotency-Key was used for a different reservation.');
      }
      return { hold: seen, replayed: true };
    }
  }
  const { cost } = await price(tx, features, count, now);
  const held = await tx.heldAmount(input.workspaceId, now);
  const available = state.available(held);
  if (!canAfford(available, cost, state.account.overageLimit)) {
    throw new TallyError('insufficient_credits', 'The workspace does not have enough credits to reserve.', {
      cost: cost / 1000,
      available: Math.max(available, 0) / 1000,
    });
  }
  state.limits?.check({ agentId: input.agentId ?? null, cost, held });
  const hold: Hold = {
    workspaceId: input.workspaceId,
    id: randomId('rsv'),
    amount: cost,
    expiresAt: new Date(now.getTime() + ttl * 1000),
    status: 'held',
    fingerprint: print,
    idempotencyKey: input.idempotencyKey ?? null,
    createdAt: now,
  };
  await tx.insertHold(hold);
  return { hold, replayed: false };
}

export interface ReleaseInput {
  workspaceId: string;
  reservationId: string;
}

export async function releaseReservation({
  ctx,
  input,
}: Call<Context, ReleaseInput>): Promise<{ hold: Hold; released: Millicredits }> {
  const now = ctx.clock();
  const { workspaceId, reservationId } = input;
  return ctx.store.transaction(async (tx) => {
    const state = await AccountState.open(tx, workspaceId, now, { holdIds: [reservationId] });
    const hold = await tx.findHold(workspaceId, reservationId);
    if (!hold) throw new TallyError('not_found', `Reservation ${reservationId} does not exist.`);
    if (hold.status === 'committed') {
      throw new TallyError(
        'conflict',
        `Reservation ${reservationId} was already committed; refund the response instead.`,
      );
    }
    let released = 0;
    if (hold.status === 'held') {
      await tx.closeHold(workspaceId, hold.id, 'released');
      released = hold.expiresAt.getTime() > now.getTime() ? hold.amount : 0;
    }
    await state.flush();
    return { hold: { ...hold, status: 'released' }, released };
  });
}

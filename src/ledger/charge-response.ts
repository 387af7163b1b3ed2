import type { Millicredits } from '../domain/amounts.ts';
import { assertSameConversation } from '../domain/conversations.ts';
import { TallyError } from '../domain/errors.ts';
import { isValidId } from '../domain/ids.ts';
import { canAfford } from '../domain/overage.ts';
import type { Channel, LedgerNeeds, StoredResponse } from '../store/store.ts';
import { AccountState } from './account-state.ts';
import type { AccountContext, Call, Context } from './context.ts';
import { fingerprint } from './fingerprint.ts';
import { price } from './pricing.ts';
import { keepingLimitRefusal, unwrap } from './spend-limit-tracker.ts';

export interface ResponseInput {
  workspaceId: string;
  /** The caller's id for this response; the idempotency key of the charge. */
  id: string;
  conversationId: string;
  channel: Channel;
  agentId: string;
  features?: string[];
  occurredAt?: Date;
  reservationId?: string;
}

export interface ChargeResult {
  id: string;
  cost: Millicredits;
  available: Millicredits;
  /** True when this id was charged before: nothing new was written. */
  replayed: boolean;
}

/** How far from the server's clock an event may be dated: late events are normal, future ones are a bug. */
export const MAX_EVENT_AGE_MS = 35 * 24 * 3600_000;
export const MAX_EVENT_SKEW_MS = 5 * 60_000;

export function validateResponse(input: ResponseInput, now: Date): void {
  for (const field of ['id', 'conversationId', 'agentId'] as const) {
    if (!isValidId(input[field])) {
      throw new TallyError('invalid_request', `${field} must be 1-128 letters, digits, or . _ : - characters.`, {
        field,
      });
    }
  }
  if (input.channel !== 'call' && input.channel !== 'chat') {
    throw new TallyError('invalid_request', 'channel must be "call" or "chat".', { field: 'channel' });
  }
  if (input.occurredAt) {
    const at = input.occurredAt.getTime();
    if (Number.isNaN(at) || at < now.getTime() - MAX_EVENT_AGE_MS || at > now.getTime() + MAX_EVENT_SKEW_MS) {
      throw new TallyError('invalid_request', 'occurredAt must be within the last 35 days and not in the future.', {
        field: 'occurredAt',
      });
    }
  }
}

function responsePrint(input: ResponseInput): string {
  return fingerprint({
    conversationId: input.conversationId,
    channel: input.channel,
    agentId: input.agentId,
    features: [...new Set(input.features ?? [])].sort(),
    occurredAt: input.occurredAt,
    reservationId: input.reservationId,
  });
}

/**
 * Charges one response against a locked account: idempotent by (workspace, id), priced by the
 * rate card in force at the response's time, paid in burn-down order, the conversation counted
 * when first seen, and the daily rollup bumped. Every check runs before the first write, so a
 * refusal (insufficient credits, a conflict) leaves the transaction untouched and a batch can go on.
 */
export async function chargeWithState({ ctx, input }: Call<AccountContext, ResponseInput>): Promise<ChargeResult> {
  const { tx, state, now } = ctx;
  const print = responsePrint(input);
  const seen = await tx.findResponse(input.workspaceId, input.id);
  if (seen) {
    if (seen.fingerprint !== print) {
      throw new TallyError('idempotency_conflict', `Response ${input.id} was already recorded with a different body.`, {
        id: input.id,
      });
    }
    return { id: seen.id, cost: seen.cost, available: seen.availableAfter, replayed: true };
  }

  const occurredAt = input.occurredAt ?? now;
  const features = [...new Set(input.features ?? [])].sort();
  const { cost, card } = await price(tx, features, 1, occurredAt);

  const conversation = await tx.findConversation(input.workspaceId, input.conversationId);
  if (conversation) assertSameConversation(conversation, input);

  let holdAmount = 0;
  if (input.reservationId) {
    const hold = await tx.findHold(input.workspaceId, input.reservationId);
    if (!hold) throw new TallyError('not_found', `Reservation ${input.reservationId} does not exist.`);
    if (hold.status !== 'held') {
      throw new TallyError('conflict', `Reservation ${input.reservationId} was already ${hold.status}.`, {
        reservationId: hold.id,
        status: hold.status,
      });
    }
    // An expired hold no longer sets anything aside: the charge is paid from free credits alone.
    if (hold.expiresAt.getTime() > now.getTime()) holdAmount = hold.amount;
  }
  const heldByOthers = await tx.heldAmount(input.workspaceId, now, input.reservationId);
  const available = state.available(heldByOthers);
  if (!canAfford(available, cost, state.account.overageLimit)) {
    throw new TallyError('insufficient_credits', 'The workspace does not have enough credits for this response.', {
      cost: cost / 1000,
      available: Math.max(available, 0) / 1000,
      ...(holdAmount > 0 ? { reserved: holdAmount / 1000 } : {}),
    });
  }
  state.limits?.check({ agentId: input.agentId, cost, held: heldByOthers });

  if (input.reservationId) await tx.closeHold(input.workspaceId, input.reservationId, 'committed');
  if (!conversation) {
    await tx.insertConversation(
      {
        workspaceId: input.workspaceId,
        id: input.conversationId,
        channel: input.channel,
        agentId: input.agentId,
        startedAt: occurredAt,
      },
      now,
    );
  }
  const draws = await state.spend(cost, input.id, `${input.channel} response`);
  state.limits?.spend(input.agentId, cost);
  const availableAfter = available - cost;
  const response: StoredResponse = {
    workspaceId: input.workspaceId,
    id: input.id,
    conversationId: input.conversationId,
    channel: input.channel,
    agentId: input.agentId,
    features,
    occurredAt,
    cost,
    rateCardVersion: card.version,
    reservationId: input.reservationId ?? null,
    fingerprint: print,
    availableAfter,
    draws,
    status: 'charged',
    createdAt: now,
  };
  await tx.insertResponse(response);
  state.bumpRollup({
    workspaceId: input.workspaceId,
    at: occurredAt,
    features,
    channel: input.channel,
    agentId: input.agentId,
    creditsUsed: cost,
    responses: 1,
    conversations: conversation ? 0 : 1,
  });
  return { id: input.id, cost, available: availableAfter, replayed: false };
}

/** What charging `inputs` looks up: their responses, their conversations and the reservations they commit. */
function chargeNeeds(inputs: readonly ResponseInput[]): LedgerNeeds {
  return {
    responseIds: inputs.map((input) => input.id),
    conversationIds: inputs.map((input) => input.conversationId),
    holdIds: inputs.flatMap((input) => (input.reservationId ? [input.reservationId] : [])),
  };
}

export async function chargeResponse({ ctx, input }: { ctx: Context; input: ResponseInput }): Promise<ChargeResult> {
  const now = ctx.clock();
  validateResponse(input, now);
  const outcome = await ctx.store.transaction(async (tx, db) => {
    const state = await AccountState.open(tx, input.workspaceId, now, chargeNeeds([input]));
    const charged = await keepingLimitRefusal(() => chargeWithState({ ctx: { tx, db, now, state }, input }));
    await state.flush();
    return charged;
  });
  return unwrap(outcome);
}

export interface BatchInput {
  workspaceId: string;
  responses: readonly ResponseInput[];
}

export type BatchItemResult = { ok: true; result: ChargeResult } | { ok: false; error: TallyError };

/**
 * Charges many responses of one workspace in one transaction: one lock, one commit. Each item is
 * independent and idempotent by its own id; a refused item writes nothing and the rest go on.
 */
export async function chargeBatch({ ctx, input }: { ctx: Context; input: BatchInput }): Promise<BatchItemResult[]> {
  const now = ctx.clock();
  const { workspaceId, responses } = input;
  const problems = responses.map((response) => {
    try {
      validateResponse(response, now);
      return null;
    } catch (error) {
      if (!(error instanceof TallyError)) throw error;
      return error;
    }
  });
  const valid = responses.filter((_, i) => problems[i] === null);
  return ctx.store.transaction(async (tx, db) => {
    const state = await AccountState.open(tx, workspaceId, now, chargeNeeds(valid));
    const results: BatchItemResult[] = [];
    for (const [i, response] of responses.entries()) {
      const problem = problems[i];
      if (problem) {
        results.push({ ok: false, error: problem });
        continue;
      }
      try {
        results.push({ ok: true, result: await chargeWithState({ ctx: { tx, db, now, state }, input: response }) });
      } catch (error) {
        if (!(error instanceof TallyError)) throw error;
        results.push({ ok: false, error });
      }
    }
    await state.flush();
    return results;
  });
}

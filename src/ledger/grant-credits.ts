import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import type { Grant, GrantSource } from '../domain/grants.ts';
import { isValidId } from '../domain/ids.ts';
import { AccountState } from './account-state.ts';
import type { AccountContext, Call, Context } from './context.ts';
import { fingerprint } from './fingerprint.ts';

export interface GrantInput {
  workspaceId: string;
  /** The idempotency key: the same id twice creates the grant once. */
  id: string;
  amount: Millicredits;
  source: GrantSource;
  reason: string;
  priority?: number;
  effectiveAt?: Date;
  expiresAt?: Date | null;
}

export interface GrantResult {
  grant: Grant;
  replayed: boolean;
}

/** Checks a grant's input and fingerprints it, before any transaction starts. */
function prepare(input: GrantInput, now: Date) {
  if (!isValidId(input.id)) {
    throw new TallyError('invalid_request', 'id must be 1-128 letters, digits, or . _ : - characters.', {
      field: 'id',
    });
  }
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new TallyError('invalid_request', 'amount must be more than zero credits.', { field: 'amount' });
  }
  const effectiveAt = input.effectiveAt ?? now;
  const expiresAt = input.expiresAt ?? null;
  const priority = input.priority ?? 0;
  if (!Number.isSafeInteger(priority)) {
    throw new TallyError('invalid_request', 'priority must be a whole number.', { field: 'priority' });
  }
  const print = fingerprint({
    amount: input.amount,
    source: input.source,
    reason: input.reason,
    priority,
    effectiveAt: input.effectiveAt,
    expiresAt,
  });
  return { effectiveAt, expiresAt, priority, print };
}

export async function grantCredits({ ctx, input }: { ctx: Context; input: GrantInput }): Promise<GrantResult> {
  const now = ctx.clock();
  prepare(input, now);
  return ctx.store.transaction(async (tx) => {
    const state = await AccountState.open(tx, input.workspaceId, now, { grantIds: [input.id] });
    const result = await addGrant({ ctx: { tx, now, state }, input });
    await state.flush();
    return result;
  });
}

/**
 * Adds one grant to an account already opened in the caller's transaction (billing grants a
 * period, its rollover and its subscription change together); idempotent by id like grantCredits.
 * The caller flushes the account.
 */
export async function addGrant({
  ctx,
  input,
}: Call<Pick<AccountContext, 'tx' | 'now' | 'state'>, GrantInput>): Promise<GrantResult> {
  const { tx, now, state } = ctx;
  const { effectiveAt, expiresAt, priority, print } = prepare(input, now);
  const existing = await tx.findGrant(input.workspaceId, input.id);
  if (existing) {
    if (existing.fingerprint !== print) {
      throw new TallyError('idempotency_conflict', `Grant ${input.id} already exists with different values.`, {
        id: input.id,
      });
    }
    const { fingerprint: _ignored, ...grant } = existing;
    return { grant, replayed: true };
  }
  // Checked only for a new grant: `effectiveAt` defaults to now, so a retry that arrives after the
  // grant expired must still get the grant back rather than a refusal.
  if (expiresAt && expiresAt.getTime() <= effectiveAt.getTime()) {
    throw new TallyError('invalid_request', 'expiresAt must be after the grant takes effect.', {
      field: 'expiresAt',
    });
  }
  const grant: Grant = {
    id: input.id,
    workspaceId: input.workspaceId,
    source: input.source,
    amount: input.amount,
    remaining: input.amount,
    priority,
    effectiveAt,
    expiresAt,
    createdAt: now,
    reason: input.reason,
  };
  await state.credit({ ...grant, fingerprint: print });
  const stored = state.grants.find((g) => g.id === grant.id);
  return { grant: { ...grant, remaining: stored?.remaining ?? grant.remaining }, replayed: false };
}

import { type Millicredits, millicreditsToCredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import type { Period } from '../domain/periods.ts';
import {
  type LimitReached,
  type LimitRefusal,
  limitRefusal,
  limitsInPeriod,
  refundAgainstLimits,
  refusedByLimit,
  type SpendAttempt,
  type SpendLimits,
  spendAgainstLimits,
} from '../domain/spend-limits.ts';

function spendLimitError(refusal: LimitRefusal): TallyError {
  const who = refusal.agentId === null ? 'The workspace' : `Agent ${refusal.agentId}`;
  return new TallyError(
    'spend_limit_reached',
    `${who} has reached its spend limit for this billing period; raise the limit or wait for the next period.`,
    {
      scope: refusal.scope,
      ...(refusal.agentId === null ? {} : { agentId: refusal.agentId }),
      limit: millicreditsToCredits(refusal.limit),
      used: millicreditsToCredits(refusal.used),
    },
  );
}

/**
 * One ledger transaction's view of a locked workspace's spend limits: the rules are the pure
 * functions of src/domain/spend-limits.ts; this keeps their state between the charges of a batch,
 * and what `AccountState.flush` writes (the counters) and reports (limits reached).
 */
export class SpendLimitTracker {
  private reachedNow: LimitReached[] = [];
  /** True once the counters differ from the stored ones. */
  changed = false;

  constructor(
    private limits: SpendLimits,
    private readonly period: Period,
  ) {
    this.limits = limitsInPeriod(limits, period);
  }

  get current(): SpendLimits {
    return this.limits;
  }

  /** Throws `spend_limit_reached` when the spend would pass a block limit, which is then reached. */
  check(attempt: SpendAttempt): void {
    const refusal = limitRefusal(this.limits, attempt);
    if (!refusal) return;
    const refused = refusedByLimit(this.limits, refusal, this.period);
    // Refused again after it was reached: nothing to store or announce.
    if (refused.reached.length > 0) this.apply(refused);
    throw spendLimitError(refusal);
  }

  spend(agentId: string, cost: Millicredits): void {
    this.apply(spendAgainstLimits(this.limits, agentId, cost, this.period));
  }

  refund(charge: { agentId: string; cost: Millicredits; chargedAt: Date }): void {
    this.limits = refundAgainstLimits(this.limits, charge, this.period);
    this.changed = true;
  }

  /** The limits reached since the last call. */
  takeReached(): LimitReached[] {
    const reached = this.reachedNow;
    this.reachedNow = [];
    return reached;
  }

  private apply(next: { limits: SpendLimits; reached: LimitReached[] }): void {
    this.limits = next.limits;
    this.reachedNow.push(...next.reached);
    this.changed = true;
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: TallyError };

/**
 * Runs a charge or hold whose refusal by a spend limit must still commit: the refusal writes
 * nothing of the charge, but the limit it reached is announced once, in this transaction. Any
 * other error still throws and rolls back.
 */
export async function keepingLimitRefusal<T>(attempt: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await attempt() };
  } catch (error) {
    if (error instanceof TallyError && error.code === 'spend_limit_reached') return { ok: false, error };
    throw error;
  }
}

export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

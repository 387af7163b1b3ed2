import { millicreditsToCredits } from '../domain/amounts.ts';
import type { LimitReached } from '../domain/spend-limits.ts';
import type { Context } from '../ledger/context.ts';
import type { Db } from '../store/schema.ts';
import type { BalanceChange } from '../store/store.ts';
import { recordEvent } from './events.ts';

/** The `limit.reached` event's data: credits as decimals, times as RFC 3339. */
export function limitReachedData(reached: LimitReached): Record<string, unknown> {
  return {
    scope: reached.scope,
    ...(reached.agentId === null ? {} : { agentId: reached.agentId }),
    limit: millicreditsToCredits(reached.limit),
    used: millicreditsToCredits(reached.used),
    mode: reached.mode,
    periodStart: reached.periodStart.toISOString(),
    periodEnd: reached.periodEnd.toISOString(),
  };
}

async function announce(change: BalanceChange, db: Db): Promise<void> {
  for (const reached of change.limitsReached ?? []) {
    // The ledger reports a limit once per period; the key keeps it once even if that ever failed.
    const key = `limit.reached:${reached.agentId ?? ''}:${reached.periodStart.getTime()}:${reached.limit}:${reached.mode}`;
    await recordEvent({
      ctx: { db, now: change.at },
      input: { workspaceId: change.workspaceId, type: 'limit.reached', data: limitReachedData(reached), key },
    });
  }
}

/**
 * Spend limits reached go to the outbox as `limit.reached`, in the transaction that reached them:
 * the ledger decides (src/ledger/spend-limit-tracker.ts), this only records.
 */
export function observeSpendLimits({ ctx }: { ctx: Context }): void {
  ctx.store.observeBalances('spend-limits', {
    load: async () => undefined,
    decide: (change, _loaded, db) => announce(change, db),
  });
}

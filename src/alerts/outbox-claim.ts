import type { Store } from '../store/store.ts';

/** The outbox's two queues of deliveries: webhook calls and e-mails. Both have the same lease columns. */
export type OutboxQueue = 'webhook_deliveries' | 'email_deliveries';

/**
 * Takes the queue's due deliveries for this worker alone. One statement picks them and moves them a
 * lease into the future stamped with the worker's token, so another worker running it finds them not
 * due; PostgreSQL also skips rows another worker is taking instead of waiting. The pick is a
 * materialized CTE so it runs once: as an `IN (subquery … LIMIT)` PostgreSQL may re-run it while
 * rechecking a row another worker changed, and claim far more than the limit. If a worker dies
 * mid-round, its lease lapses and the delivery is due again. Returns how many it took.
 */
export async function claimDue(
  store: Store,
  queue: OutboxQueue,
  claim: { now: number; token: string; batch: number; leaseMs: number },
): Promise<number> {
  const { now, token, batch, leaseMs } = claim;
  const claimed = await store.db
    .with(
      (cte) => cte('due').materialized(),
      (db) => {
        const due = db
          .selectFrom(queue)
          .select(['workspace_id', 'id'])
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .orderBy('event_seq')
          .limit(batch);
        return store.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
      },
    )
    .updateTable(queue)
    .set({ lease_token: token, next_attempt_at: now + leaseMs })
    .where((eb) =>
      eb(
        eb.refTuple('workspace_id', 'id'),
        'in',
        eb.selectFrom('due').select(['due.workspace_id', 'due.id']).$asTuple('workspace_id', 'id'),
      ),
    )
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .returning('id')
    .execute();
  return claimed.length;
}

import type { Db } from '../store/schema.ts';

/**
 * What the subscription grants that expire at `expiry` (a period's allocation, its rollover and any
 * upgrade top-up) held when they expired: what they still hold if the sweep has not written them off
 * yet, plus what the sweep's expiry lines wrote off at that instant. Call it with the account locked,
 * before this transaction sweeps. A refund into an already expired grant writes a refund and an
 * expiry line at the refund's time, never at the expiry instant, so it does not count.
 */
export async function unusedAtExpiry(db: Db, workspaceId: string, expiry: Date): Promise<number> {
  const grants = await db
    .selectFrom('grants')
    .select(['id', 'remaining'])
    .where('workspace_id', '=', workspaceId)
    .where('source', '=', 'subscription')
    .where('expires_at', '=', expiry.getTime())
    .execute();
  if (grants.length === 0) return 0;
  const written = await db
    .selectFrom('ledger_lines')
    .select((eb) => eb.fn.sum<number>('amount').as('total'))
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'expire')
    .where(
      'grant_id',
      'in',
      grants.map((g) => g.id),
    )
    .where('at', '=', expiry.getTime())
    .executeTakeFirst();
  const remaining = grants.reduce((sum, g) => sum + Number(g.remaining), 0);
  return remaining - Number(written?.total ?? 0);
}

import { sql } from 'kysely';
import type { Grant } from '../domain/grants.ts';
import { grantFromRow } from '../store/ledger-queries.ts';
import type { Call, Context } from './context.ts';

/**
 * Every workspace's grants whose id starts with `prefix`, made in [from, to), oldest first: an
 * operator's report (billing lists the packs granted without Stripe), not a hot path.
 */
export async function listGrantsByIdPrefix({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, { prefix: string; from: Date; to: Date }>): Promise<Grant[]> {
  const { prefix, from, to } = input;
  const rows = await ctx.store.db
    .selectFrom('grants')
    .selectAll()
    .where('id', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    .where('created_at', '>=', from.getTime())
    .where('created_at', '<', to.getTime())
    .orderBy('created_at')
    .orderBy('workspace_id')
    .orderBy('id')
    .execute();
  return rows.map((row) => {
    const { fingerprint: _ignored, ...grant } = grantFromRow(row);
    return grant;
  });
}

/**
 * One workspace's grants whose id starts with one of `prefixes`, through the (workspace_id, id) key.
 * For the billing history, a listing that only shows: read from the replica (Store.replica).
 */
export async function listWorkspaceGrantsByIdPrefix({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, { workspaceId: string; prefixes: readonly string[] }>): Promise<Grant[]> {
  const { workspaceId, prefixes } = input;
  const rows = await ctx.store.replica.db
    .selectFrom('grants')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    // substr, not LIKE: exact and case-sensitive on both stores, whatever characters a prefix holds.
    .where((eb) => eb.or(prefixes.map((prefix) => eb(sql`substr(id, 1, ${prefix.length})`, '=', prefix))))
    .orderBy('effective_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => {
    const { fingerprint: _ignored, ...grant } = grantFromRow(row);
    return grant;
  });
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TallyError } from '../domain/errors.ts';
import type { Call, Context } from '../ledger/context.ts';
import { randomId } from '../ledger/random-id.ts';
import { requireWorkspace } from '../ledger/workspaces.ts';
import type { KeysContext } from './context.ts';

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type Principal =
  | { kind: 'operator' }
  | { kind: 'workspace'; workspaceId: string; scopes: readonly Scope[]; keyId: string };

export interface IssuedKey {
  id: string;
  /** Shown once, at creation; only its hash is stored. */
  key: string;
  prefix: string;
  scopes: Scope[];
  name: string;
  createdAt: Date;
}

export interface KeySummary {
  id: string;
  prefix: string;
  scopes: Scope[];
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Keys carry 32 random bytes, so one SHA-256 is as strong as a slow hash and keeps auth fast. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function generateKey(): { key: string; prefix: string } {
  const visible = randomBytes(6).toString('base64url');
  return { key: `tally_${visible}_${randomBytes(32).toString('base64url')}`, prefix: `tally_${visible}` };
}

export interface NewApiKey {
  workspaceId: string;
  scopes: readonly Scope[];
  name: string;
}

export async function issueApiKey({ ctx, input }: { ctx: Context; input: NewApiKey }): Promise<IssuedKey> {
  const now = ctx.clock();
  const { store } = ctx;
  const { workspaceId, name } = input;
  const unique = [...new Set(input.scopes)];
  if (unique.length === 0)
    throw new TallyError('invalid_request', 'scopes must name at least one scope.', { field: 'scopes' });
  await requireWorkspace({ ctx, input: { workspaceId } });
  const { key, prefix } = generateKey();
  const issued: IssuedKey = { id: randomId('key'), key, prefix, scopes: unique, name, createdAt: now };
  await store.db
    .insertInto('api_keys')
    .values({
      id: issued.id,
      workspace_id: workspaceId,
      name,
      prefix,
      hash: hashKey(key),
      scopes: unique.join(' '),
      created_at: now.getTime(),
      revoked_at: null,
    })
    .execute();
  return issued;
}

export async function revokeApiKey({
  ctx,
  input,
}: Call<Context, { workspaceId: string; keyId: string }>): Promise<void> {
  const now = ctx.clock();
  const { workspaceId, keyId } = input;
  const row = await ctx.store.db
    .selectFrom('api_keys')
    .select(['id', 'revoked_at'])
    .where('id', '=', keyId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) throw new TallyError('not_found', `Key ${keyId} does not exist in workspace ${workspaceId}.`);
  if (row.revoked_at === null) {
    await ctx.store.db.updateTable('api_keys').set({ revoked_at: now.getTime() }).where('id', '=', keyId).execute();
  }
}

export async function listApiKeys({ ctx, input }: Call<Context, { workspaceId: string }>): Promise<KeySummary[]> {
  const rows = await ctx.store.db
    .selectFrom('api_keys')
    .selectAll()
    .where('workspace_id', '=', input.workspaceId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    prefix: row.prefix,
    scopes: row.scopes.split(' ') as Scope[],
    name: row.name,
    createdAt: new Date(Number(row.created_at)),
    revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)),
  }));
}

/**
 * Who a bearer key belongs to, or null: the operator for the admin key, else the workspace of a
 * live key. Every lookup reads the database, so a revoked key fails at once.
 */
export async function authenticateKey({ ctx, input }: Call<KeysContext, { key: string }>): Promise<Principal | null> {
  const hash = hashKey(input.key);
  if (ctx.adminKeyHash && sameHash(hash, ctx.adminKeyHash)) return { kind: 'operator' };
  const row = await ctx.store.db
    .selectFrom('api_keys')
    .select(['id', 'workspace_id', 'hash', 'scopes', 'revoked_at'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.workspace_id === null || !sameHash(hash, row.hash)) return null;
  return {
    kind: 'workspace',
    workspaceId: row.workspace_id,
    scopes: row.scopes.split(' ') as Scope[],
    keyId: row.id,
  };
}

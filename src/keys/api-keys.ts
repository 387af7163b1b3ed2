import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TallyError } from '../domain/errors.ts';
import { randomId } from '../ledger/random-id.ts';
import { requireWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';

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
function hashKey(key: string): string {
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

export class ApiKeys {
  private readonly adminKeyHash: string | null;

  constructor(
    private readonly store: Store,
    adminKey: string | null,
  ) {
    this.adminKeyHash = adminKey ? hashKey(adminKey) : null;
  }

  async issue(workspaceId: string, scopes: readonly Scope[], name: string, now: Date): Promise<IssuedKey> {
    const unique = [...new Set(scopes)];
    if (unique.length === 0)
      throw new TallyError('invalid_request', 'scopes must name at least one scope.', { field: 'scopes' });
    await requireWorkspace({ ctx: { store: this.store }, input: { workspaceId } });
    const { key, prefix } = generateKey();
    const issued: IssuedKey = { id: randomId('key'), key, prefix, scopes: unique, name, createdAt: now };
    await this.store.db
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

  async revoke(workspaceId: string, keyId: string, now: Date): Promise<void> {
    const row = await this.store.db
      .selectFrom('api_keys')
      .select(['id', 'revoked_at'])
      .where('id', '=', keyId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    if (!row) throw new TallyError('not_found', `Key ${keyId} does not exist in workspace ${workspaceId}.`);
    if (row.revoked_at === null) {
      await this.store.db.updateTable('api_keys').set({ revoked_at: now.getTime() }).where('id', '=', keyId).execute();
    }
  }

  async list(workspaceId: string): Promise<KeySummary[]> {
    const rows = await this.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
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

  /** Who a bearer key belongs to, or null. Every lookup reads the database, so a revoked key fails at once. */
  async authenticate(presented: string): Promise<Principal | null> {
    const hash = hashKey(presented);
    if (this.adminKeyHash && sameHash(hash, this.adminKeyHash)) return { kind: 'operator' };
    const row = await this.store.db
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
}

import { createHash, randomBytes } from 'node:crypto';
import type { Call, Context } from '../ledger/context.ts';
import { findWorkspace } from '../ledger/workspaces.ts';
import type { DashboardRole, Db } from '../store/schema.ts';
import type { SessionsContext } from './context.ts';

export interface SessionLimits {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in however much it is used. */
  maxMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 12 * 3_600_000, maxMs: 7 * 86_400_000 };

/** Writing last_seen_at on every poll of the dashboard would turn reads into writes; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  /** The stored id: the token's hash. */
  id: string;
  /** Null for a session opened by a host platform's dashboard link. */
  userId: string | null;
  email: string | null;
  workspaceId: string;
  workspaceName: string;
  role: DashboardRole;
  /** Where the host platform asked its users to be sent back to. */
  returnUrl: string | null;
  csrfToken: string;
  expiresAt: Date;
}

/** Who a new session is for: a user who signed in (always `admin`), or a link's holder. */
export interface SessionOwner {
  workspaceId: string;
  userId: string | null;
  role: DashboardRole;
  returnUrl: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The sessions' key is (workspace_id, id), so the cookie's token names its workspace before a dot:
 * the lookup carries the workspace and stays on one shard when the tables are distributed by it
 * (docs/scaling.md). A token issued before migration 016 names none and is found by its hash alone
 * (`sessions_token`) until it expires.
 */
function sessionKey(token: string): { workspaceId: string | null; id: string } {
  const dot = token.lastIndexOf('.');
  return { workspaceId: dot > 0 ? token.slice(0, dot) : null, id: hashToken(token) };
}

function expiry(limits: SessionLimits, createdAt: number, lastSeenAt: number): number {
  return Math.min(lastSeenAt + limits.idleMs, createdAt + limits.maxMs);
}

/** A new session; the token goes in the cookie, only its hash is stored. `db` may be a transaction. */
export async function createSession(
  db: Db,
  limits: SessionLimits,
  owner: SessionOwner,
  now: Date,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = `${owner.workspaceId}.${randomBytes(32).toString('base64url')}`;
  const csrfToken = randomBytes(32).toString('base64url');
  const at = now.getTime();
  const expiresAt = expiry(limits, at, at);
  await db
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: owner.userId,
      workspace_id: owner.workspaceId,
      role: owner.role,
      return_url: owner.returnUrl,
      csrf_token: csrfToken,
      created_at: at,
      last_seen_at: at,
      expires_at: expiresAt,
    })
    .execute();
  return { token, csrfToken, expiresAt: new Date(expiresAt) };
}

/** The live session a token stands for, its idle clock moved on; null when unknown or expired. */
export async function findSession({ ctx, input }: Call<SessionsContext, { token: string }>): Promise<Session | null> {
  const now = ctx.clock();
  const { store } = ctx;
  const { workspaceId, id } = sessionKey(input.token);
  let query = store.db
    .selectFrom('sessions')
    .leftJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.workspace_id',
      'sessions.csrf_token',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.role',
      'sessions.return_url',
      'users.email',
    ])
    .where('sessions.id', '=', id);
  if (workspaceId !== null) query = query.where('sessions.workspace_id', '=', workspaceId);
  const row = await query.executeTakeFirst();
  const at = now.getTime();
  if (!row) return null;
  if (Number(row.expires_at) <= at) {
    await store.db.deleteFrom('sessions').where('workspace_id', '=', row.workspace_id).where('id', '=', id).execute();
    return null;
  }
  const workspace = await findWorkspace({ ctx, input: { workspaceId: row.workspace_id } });
  if (!workspace) return null;
  let expiresAt = Number(row.expires_at);
  if (at - Number(row.last_seen_at) >= TOUCH_EVERY_MS) {
    expiresAt = expiry(ctx.sessionLimits, Number(row.created_at), at);
    await store.db
      .updateTable('sessions')
      .set({ last_seen_at: at, expires_at: expiresAt })
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', id)
      .execute();
  }
  return {
    id,
    userId: row.user_id,
    email: row.email,
    workspaceId: row.workspace_id,
    workspaceName: workspace.name,
    role: row.role,
    returnUrl: row.return_url,
    csrfToken: row.csrf_token,
    expiresAt: new Date(expiresAt),
  };
}

/** Signs the session out: its token opens nothing from now on. */
export async function destroySession({ ctx, input }: { ctx: Context; input: { token: string } }): Promise<void> {
  const { workspaceId, id } = sessionKey(input.token);
  let query = ctx.store.db.deleteFrom('sessions').where('id', '=', id);
  if (workspaceId !== null) query = query.where('workspace_id', '=', workspaceId);
  await query.execute();
}

export async function dropExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.getTime()).execute();
}

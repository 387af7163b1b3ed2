import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';

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
  userId: string;
  email: string;
  workspaceId: string;
  workspaceName: string;
  csrfToken: string;
  expiresAt: Date;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function expiry(limits: SessionLimits, createdAt: number, lastSeenAt: number): number {
  return Math.min(lastSeenAt + limits.idleMs, createdAt + limits.maxMs);
}

/** A new session for a user; the token goes in the cookie, only its hash is stored. */
export async function createSession(
  store: Store,
  limits: SessionLimits,
  user: { id: string; workspaceId: string },
  now: Date,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const at = now.getTime();
  const expiresAt = expiry(limits, at, at);
  await store.db
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: user.id,
      workspace_id: user.workspaceId,
      csrf_token: csrfToken,
      created_at: at,
      last_seen_at: at,
      expires_at: expiresAt,
    })
    .execute();
  return { token, csrfToken, expiresAt: new Date(expiresAt) };
}

/** The live session a token stands for, its idle clock moved on; null when unknown or expired. */
export async function findSession(
  store: Store,
  limits: SessionLimits,
  token: string,
  now: Date,
): Promise<Session | null> {
  const id = hashToken(token);
  const row = await store.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('workspaces', 'workspaces.id', 'sessions.workspace_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.workspace_id',
      'sessions.csrf_token',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.email',
      'workspaces.name',
    ])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  const at = now.getTime();
  if (!row) return null;
  if (Number(row.expires_at) <= at) {
    await store.db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  let expiresAt = Number(row.expires_at);
  if (at - Number(row.last_seen_at) >= TOUCH_EVERY_MS) {
    expiresAt = expiry(limits, Number(row.created_at), at);
    await store.db
      .updateTable('sessions')
      .set({ last_seen_at: at, expires_at: expiresAt })
      .where('id', '=', id)
      .execute();
  }
  return {
    id,
    userId: row.user_id,
    email: row.email,
    workspaceId: row.workspace_id,
    workspaceName: row.name,
    csrfToken: row.csrf_token,
    expiresAt: new Date(expiresAt),
  };
}

export async function destroySession(store: Store, token: string): Promise<void> {
  await store.db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
}

export async function dropExpiredSessions(store: Store, now: Date): Promise<void> {
  await store.db.deleteFrom('sessions').where('expires_at', '<=', now.getTime()).execute();
}

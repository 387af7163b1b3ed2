import { randomBytes } from 'node:crypto';
import { TallyError } from '../domain/errors.ts';
import type { Call, Context } from '../ledger/context.ts';
import { getWorkspace } from '../ledger/workspaces.ts';
import type { DashboardRole, Db } from '../store/schema.ts';
import type { SessionsContext } from './context.ts';
import { createSession, hashToken } from './sessions.ts';

export const LINK_TTL_SECONDS = { default: 300, max: 3600 } as const;

export interface NewDashboardLink {
  workspaceId: string;
  role: DashboardRole;
  returnUrl: string | null;
  ttlSeconds: number;
}

/** What opening a link gives: a session's cookie token, or nothing and where to send the person back. */
export type OpenedLink = { opened: true; sessionToken: string } | { opened: false; returnUrl: string | null };

function checkReturnUrl(returnUrl: string): void {
  let protocol = '';
  try {
    protocol = new URL(returnUrl).protocol;
  } catch {
    // not absolute: refused below
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new TallyError('invalid_request', 'returnUrl must be an absolute http(s) URL.', { field: 'returnUrl' });
  }
}

/**
 * A one-time link into the workspace's dashboard, for a host platform to hand its signed-in user.
 * The token is 32 random bytes; only its SHA-256 is stored. Expired links are dropped on the way.
 */
export async function issueDashboardLink({
  ctx,
  input,
}: Call<Context, NewDashboardLink>): Promise<{ token: string; expiresAt: Date }> {
  const now = ctx.clock();
  const { store } = ctx;
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > LINK_TTL_SECONDS.max) {
    throw new TallyError('invalid_request', `ttlSeconds must be a whole number from 1 to ${LINK_TTL_SECONDS.max}.`, {
      field: 'ttlSeconds',
    });
  }
  if (input.returnUrl !== null) checkReturnUrl(input.returnUrl);
  await dropExpiredDashboardLinks(store.db, now);
  await getWorkspace({ ctx, input: { workspaceId: input.workspaceId } });
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now.getTime() + input.ttlSeconds * 1000;
  await store.db
    .insertInto('dashboard_links')
    .values({
      workspace_id: input.workspaceId,
      token_hash: hashToken(token),
      role: input.role,
      return_url: input.returnUrl,
      created_at: now.getTime(),
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt: new Date(expiresAt) };
}

/**
 * Opens a link at most once: the UPDATE that marks it used is conditional on it being unused and
 * unexpired, so of two concurrent opens exactly one gets the row back. The session is created in
 * the same transaction, so a link is never spent without a session to show for it.
 */
export async function openDashboardLink({
  ctx,
  input,
}: Call<SessionsContext, { workspaceId: string; token: string }>): Promise<OpenedLink> {
  const now = ctx.clock();
  const { store } = ctx;
  const { workspaceId } = input;
  const at = now.getTime();
  const tokenHash = hashToken(input.token);
  const opened = await store.transaction(async (_tx, db) => {
    const link = await db
      .updateTable('dashboard_links')
      .set({ used_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returning(['role', 'return_url'])
      .executeTakeFirst();
    if (!link) return null;
    const session = await createSession(
      db,
      ctx.sessionLimits,
      { workspaceId, userId: null, role: link.role, returnUrl: link.return_url },
      now,
    );
    return session.token;
  });
  if (opened) return { opened: true, sessionToken: opened };
  const spent = await store.db
    .selectFrom('dashboard_links')
    .select('return_url')
    .where('workspace_id', '=', workspaceId)
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return { opened: false, returnUrl: spent?.return_url ?? null };
}

/** Links past their expiry can no longer open anything; their rows go when a new link is made. */
async function dropExpiredDashboardLinks(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('dashboard_links').where('expires_at', '<=', now.getTime()).execute();
}

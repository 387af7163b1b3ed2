import { expect, it } from 'vitest';
import { contextAt } from '../../test/support/context.ts';
import { describeStores } from '../../test/support/stores.ts';
import { createWorkspace } from '../ledger/workspaces.ts';
import { createSession, DEFAULT_SESSION_LIMITS, destroySession, findSession, hashToken } from './sessions.ts';

const now = new Date('2026-11-01T12:00:00Z');

describeStores('dashboard sessions keyed by workspace', (ctx) => {
  const owner = (workspaceId: string) => ({ workspaceId, userId: null, role: 'viewer' as const, returnUrl: null });
  const find = (token: string, at: Date) =>
    findSession({ ctx: { ...contextAt(ctx.store, at), sessionLimits: DEFAULT_SESSION_LIMITS }, input: { token } });

  it('finds a session by a token that names its workspace, and by no other workspace', async () => {
    const ws = await createWorkspace({ ctx: contextAt(ctx.store, now), input: { name: 'Acme', plan: 'starter' } });
    const other = await createWorkspace({ ctx: contextAt(ctx.store, now), input: { name: 'Other', plan: 'starter' } });
    const { token } = await createSession(ctx.store.db, DEFAULT_SESSION_LIMITS, owner(ws.id), now);
    expect(token.startsWith(`${ws.id}.`)).toBe(true);
    expect(await find(token, now)).toMatchObject({ workspaceId: ws.id });
    const moved = `${other.id}${token.slice(ws.id.length)}`;
    expect(await find(moved, now)).toBeNull();
    await destroySession({ ctx: contextAt(ctx.store, now), input: { token } });
    expect(await find(token, now)).toBeNull();
  });

  it('still signs in a browser whose token predates the workspace in the token, until it expires', async () => {
    const ws = await createWorkspace({ ctx: contextAt(ctx.store, now), input: { name: 'Acme', plan: 'starter' } });
    const legacyToken = 'a'.repeat(43);
    await ctx.store.db
      .insertInto('sessions')
      .values({
        id: hashToken(legacyToken),
        user_id: null,
        workspace_id: ws.id,
        csrf_token: 'csrf',
        created_at: now.getTime(),
        last_seen_at: now.getTime(),
        expires_at: now.getTime() + 60_000,
        role: 'viewer',
        return_url: null,
      })
      .execute();
    expect(await find(legacyToken, now)).toMatchObject({
      workspaceId: ws.id,
    });
    expect(await find(legacyToken, new Date(now.getTime() + 60_000))).toBeNull();
  });
});

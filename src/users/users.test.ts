import { expect, it } from 'vitest';
import { contextAt } from '../../test/support/context.ts';
import { describeStores } from '../../test/support/stores.ts';
import { createWorkspace } from '../ledger/workspaces.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { DEFAULT_SESSION_LIMITS, findSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
import { DEFAULT_SIGN_IN_LIMIT } from './sign-in-limiter.ts';
import { createUser, DEMO_USER_EMAIL, ensureDemoUser, generatePassword } from './users.ts';

const now = new Date('2026-11-01T12:00:00Z');

it('hashes each password with its own salt and verifies only the right one', async () => {
  const [first, second] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
  expect(first).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  expect(first).not.toBe(second);
  expect(await verifyPassword('same password', first)).toBe(true);
  expect(await verifyPassword('same passwore', first)).toBe(false);
  expect(await verifyPassword('same password', 'scrypt$0$8$1$xx$yy')).toBe(false);
  expect(await verifyPassword('same password', 'plain')).toBe(false);
});

it('generates demo passwords that differ and are long enough to accept', () => {
  const passwords = new Set(Array.from({ length: 50 }, generatePassword));
  expect(passwords.size).toBe(50);
  for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
});

describeStores('dashboard users', (ctx) => {
  const workspace = () => createWorkspace({ ctx: contextAt(ctx.store, now), input: { name: 'Acme', plan: 'starter' } });
  const usersContext = () => ({
    ...contextAt(ctx.store, now),
    sessionLimits: DEFAULT_SESSION_LIMITS,
    signInLimit: DEFAULT_SIGN_IN_LIMIT,
  });

  it('creates a user whose email is unique whatever its case', async () => {
    const ws = await workspace();
    const user = await createUser({
      ctx: contextAt(ctx.store, now),
      input: { workspaceId: ws.id, email: 'Ana@Acme.test', password: 'long enough' },
    });
    expect(user).toMatchObject({ workspaceId: ws.id, email: 'ana@acme.test' });
    await expect(
      createUser({
        ctx: contextAt(ctx.store, now),
        input: { workspaceId: ws.id, email: 'ANA@acme.test', password: 'long enough' },
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses a bad email, a short password and an unknown workspace with typed errors', async () => {
    const ws = await workspace();
    await expect(
      createUser({
        ctx: contextAt(ctx.store, now),
        input: { workspaceId: ws.id, email: 'not an email', password: 'long enough' },
      }),
    ).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'email' } });
    await expect(
      createUser({
        ctx: contextAt(ctx.store, now),
        input: { workspaceId: ws.id, email: 'a@b.test', password: 'short' },
      }),
    ).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'password' } });
    await expect(
      createUser({
        ctx: contextAt(ctx.store, now),
        input: { workspaceId: 'ws_missing', email: 'a@b.test', password: 'long enough' },
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ensures the demo user idempotently, and a new password signs out the old sessions', async () => {
    const ws = await workspace();
    expect(
      await ensureDemoUser({
        ctx: contextAt(ctx.store, now),
        input: { workspaceId: ws.id, password: 'first password' },
      }),
    ).toEqual({ email: DEMO_USER_EMAIL, created: true });
    const users = usersContext();
    const signedIn = await signIn({
      ctx: users,
      input: { email: DEMO_USER_EMAIL, password: 'first password', address: '127.0.0.1' },
    });

    expect(
      await ensureDemoUser({
        ctx: contextAt(ctx.store, now),
        input: { workspaceId: ws.id, password: 'first password' },
      }),
    ).toEqual({
      email: DEMO_USER_EMAIL,
      created: false,
    });
    expect(await findSession({ ctx: users, input: { token: signedIn.token } })).not.toBeNull();

    await ensureDemoUser({
      ctx: contextAt(ctx.store, now),
      input: { workspaceId: ws.id, password: 'second password' },
    });
    expect(await findSession({ ctx: users, input: { token: signedIn.token } })).toBeNull();
    await expect(
      signIn({ ctx: users, input: { email: DEMO_USER_EMAIL, password: 'first password', address: '127.0.0.1' } }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    const again = await signIn({
      ctx: users,
      input: { email: DEMO_USER_EMAIL, password: 'second password', address: '127.0.0.1' },
    });
    expect(again.session.workspaceId).toBe(ws.id);
  });

  it('stores only the hash of a session token', async () => {
    const ws = await workspace();
    await createUser({
      ctx: contextAt(ctx.store, now),
      input: { workspaceId: ws.id, email: 'ana@acme.test', password: 'long enough' },
    });
    const { token } = await signIn({
      ctx: usersContext(),
      input: { email: 'ana@acme.test', password: 'long enough', address: '10.0.0.1' },
    });
    const rows = await ctx.store.db.selectFrom('sessions').select('id').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).not.toContain(token);
    expect(rows[0]?.id).toMatch(/^[0-9a-f]{64}$/);
  });
});

import { expect, it } from 'vitest';
import { contextAt } from '../../test/support/context.ts';
import { describeStores } from '../../test/support/stores.ts';
import { createWorkspace } from '../ledger/workspaces.ts';
import { DashboardAuth } from './dashboard-auth.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
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

  it('creates a user whose email is unique whatever its case', async () => {
    const ws = await workspace();
    const user = await createUser(ctx.store, { workspaceId: ws.id, email: 'Ana@Acme.test', password: 'long enough' });
    expect(user).toMatchObject({ workspaceId: ws.id, email: 'ana@acme.test' });
    await expect(
      createUser(ctx.store, { workspaceId: ws.id, email: 'ANA@acme.test', password: 'long enough' }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses a bad email, a short password and an unknown workspace with typed errors', async () => {
    const ws = await workspace();
    await expect(
      createUser(ctx.store, { workspaceId: ws.id, email: 'not an email', password: 'long enough' }),
    ).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'email' } });
    await expect(
      createUser(ctx.store, { workspaceId: ws.id, email: 'a@b.test', password: 'short' }),
    ).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'password' } });
    await expect(
      createUser(ctx.store, { workspaceId: 'ws_missing', email: 'a@b.test', password: 'long enough' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ensures the demo user idempotently, and a new password signs out the old sessions', async () => {
    const ws = await workspace();
    expect(await ensureDemoUser(ctx.store, ws.id, 'first password')).toEqual({ email: DEMO_USER_EMAIL, created: true });
    const auth = new DashboardAuth(ctx.store, () => now);
    const signedIn = await auth.signIn(DEMO_USER_EMAIL, 'first password', '127.0.0.1');

    expect(await ensureDemoUser(ctx.store, ws.id, 'first password')).toEqual({
      email: DEMO_USER_EMAIL,
      created: false,
    });
    expect(await auth.current(signedIn.token)).not.toBeNull();

    await ensureDemoUser(ctx.store, ws.id, 'second password');
    expect(await auth.current(signedIn.token)).toBeNull();
    await expect(auth.signIn(DEMO_USER_EMAIL, 'first password', '127.0.0.1')).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect((await auth.signIn(DEMO_USER_EMAIL, 'second password', '127.0.0.1')).session.workspaceId).toBe(ws.id);
  });

  it('stores only the hash of a session token', async () => {
    const ws = await workspace();
    await createUser(ctx.store, { workspaceId: ws.id, email: 'ana@acme.test', password: 'long enough' });
    const auth = new DashboardAuth(ctx.store, () => now);
    const { token } = await auth.signIn('ana@acme.test', 'long enough', '10.0.0.1');
    const rows = await ctx.store.db.selectFrom('sessions').select('id').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).not.toContain(token);
    expect(rows[0]?.id).toMatch(/^[0-9a-f]{64}$/);
  });
});

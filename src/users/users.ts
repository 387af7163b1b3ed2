import { randomBytes } from 'node:crypto';
import { TallyError } from '../domain/errors.ts';
import type { Call, Context } from '../ledger/context.ts';
import { randomId } from '../ledger/random-id.ts';
import { requireWorkspace } from '../ledger/workspaces.ts';
import type { Db } from '../store/schema.ts';
import { hashPassword, PASSWORD_LENGTH, verifyPassword } from './passwords.ts';

export const DEMO_USER_EMAIL = 'demo@tally.local';

/** A password to print for the demo user when TALLY_DEMO_PASSWORD is not set: 96 random bits, easy to copy. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export interface User {
  id: string;
  workspaceId: string;
  email: string;
  createdAt: Date;
}

export interface NewUser {
  workspaceId: string;
  email: string;
  password: string;
}

/** Deliberately loose: one @, something on each side, no spaces. Whether mail arrives is not Tally's to check. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function validEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new TallyError('invalid_request', `"${raw}" is not an email address.`, { field: 'email' });
  }
  return email;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new TallyError(
      'invalid_request',
      `The password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters long.`,
      { field: 'password' },
    );
  }
}

/** A person who can sign in to the workspace's dashboard. An email belongs to one user only. */
export async function createUser({ ctx, input }: { ctx: Context; input: NewUser }): Promise<User> {
  const now = ctx.clock();
  const { store } = ctx;
  const email = validEmail(input.email);
  checkPassword(input.password);
  await requireWorkspace({ ctx, input: { workspaceId: input.workspaceId } });
  const user: User = { id: randomId('usr'), workspaceId: input.workspaceId, email, createdAt: now };
  const passwordHash = await hashPassword(input.password);
  const inserted = await store.db
    .insertInto('users')
    .values({
      id: user.id,
      workspace_id: user.workspaceId,
      email,
      password_hash: passwordHash,
      created_at: now.getTime(),
    })
    .onConflict((conflict) => conflict.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new TallyError('conflict', `A user with the email ${email} already exists.`, { field: 'email' });
  return user;
}

/**
 * Makes `demo@tally.local` sign in to `workspaceId` with `password`: creates the user the first
 * time, and when the password differs sets it and signs out the old sessions, so the password
 * printed at start is the one that works. Calling it again with the same password changes nothing.
 */
export async function ensureDemoUser({
  ctx,
  input,
}: Call<Context, { workspaceId: string; password: string }>): Promise<{ email: string; created: boolean }> {
  const { store } = ctx;
  const { workspaceId, password } = input;
  checkPassword(password);
  await requireWorkspace({ ctx, input: { workspaceId } });
  const existing = await findUserByEmail(store.db, DEMO_USER_EMAIL);
  if (!existing) {
    try {
      await createUser({ ctx, input: { workspaceId, email: DEMO_USER_EMAIL, password } });
      return { email: DEMO_USER_EMAIL, created: true };
    } catch (error) {
      // Another process created it first: fall through to setting the password on that one.
      if (!(error instanceof TallyError) || error.code !== 'conflict') throw error;
      return ensureDemoUser({ ctx, input });
    }
  }
  if (existing.workspaceId === workspaceId && (await verifyPassword(password, existing.passwordHash))) {
    return { email: DEMO_USER_EMAIL, created: false };
  }
  const passwordHash = await hashPassword(password);
  await store.transaction(async (_tx, db) => {
    await db
      .updateTable('users')
      .set({ password_hash: passwordHash, workspace_id: workspaceId })
      .where('id', '=', existing.id)
      .execute();
    await db.deleteFrom('sessions').where('user_id', '=', existing.id).execute();
  });
  return { email: DEMO_USER_EMAIL, created: false };
}

export async function findUserByEmail(db: Db, email: string): Promise<(User & { passwordHash: string }) | null> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    createdAt: new Date(Number(row.created_at)),
    passwordHash: row.password_hash,
  };
}

/** The ids of the workspace's dashboard users, with `db` (the caller's transaction when it has one). */
export async function userIdsOf(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.selectFrom('users').select('id').where('workspace_id', '=', workspaceId).execute();
  return rows.map((row) => row.id);
}

/** Each of `userIds` that still exists, with its workspace and e-mail address. */
export async function usersById(
  db: Db,
  userIds: readonly string[],
): Promise<Map<string, Pick<User, 'workspaceId' | 'email'>>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', 'workspace_id', 'email'])
    .where('id', 'in', userIds)
    .execute();
  return new Map(rows.map((row) => [row.id, { workspaceId: row.workspace_id, email: row.email }]));
}

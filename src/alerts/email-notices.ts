import type { Call, Context } from '../ledger/context.ts';
import { findWorkspace } from '../ledger/workspaces.ts';
import { usersById } from '../users/users.ts';
import type { Recipient } from './unsubscribe-links.ts';

export interface NoticeSetting {
  email: string;
  workspaceName: string;
  enabled: boolean;
}

/**
 * Each dashboard user's choice to get the workspace's e-mail notices (on unless they unsubscribed);
 * the signed unsubscribe links (`unsubscribe-links.ts`) change it without signing in.
 * Null when no such user is in that workspace (any more).
 */
export async function getEmailNotices({ ctx, input }: Call<Context, Recipient>): Promise<NoticeSetting | null> {
  const { store } = ctx;
  const user = (await usersById(store.db, [input.userId])).get(input.userId);
  if (user?.workspaceId !== input.workspaceId) return null;
  const [workspace, optedOut] = await Promise.all([
    findWorkspace({ ctx, input: { workspaceId: input.workspaceId } }),
    store.db
      .selectFrom('email_opt_outs')
      .select('user_id')
      .where('workspace_id', '=', input.workspaceId)
      .where('user_id', '=', input.userId)
      .executeTakeFirst(),
  ]);
  return workspace ? { email: user.email, workspaceName: workspace.name, enabled: optedOut === undefined } : null;
}

/**
 * Turns the user's notices on or off; the same call twice changes nothing more. A mail already
 * queued for a user who turned them off is not sent: the sender checks again before each one.
 */
export async function setEmailNotices({
  ctx,
  input,
}: Call<Context, Recipient & { enabled: boolean }>): Promise<NoticeSetting | null> {
  const now = ctx.clock();
  const { workspaceId, userId, enabled } = input;
  const current = await getEmailNotices({ ctx, input: { workspaceId, userId } });
  if (!current || current.enabled === enabled) return current;
  if (enabled) {
    await ctx.store.db
      .deleteFrom('email_opt_outs')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
  } else {
    await ctx.store.db
      .insertInto('email_opt_outs')
      .values({ workspace_id: workspaceId, user_id: userId, created_at: now.getTime() })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .execute();
  }
  return { ...current, enabled };
}

import { findWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { usersById } from '../users/users.ts';
import { type Recipient, readUnsubscribeToken } from './unsubscribe-links.ts';

export interface NoticeSetting {
  email: string;
  workspaceName: string;
  enabled: boolean;
}

/**
 * Each dashboard user's choice to get the workspace's e-mail notices (on unless they unsubscribed),
 * and the signed unsubscribe links that change it without signing in.
 */
export class EmailNotices {
  constructor(
    private readonly store: Store,
    private readonly secretKey: Uint8Array,
  ) {}

  /** The user a link's token names; null when it was not made by this Tally (or was altered). */
  recipientOf(token: string): Recipient | null {
    return readUnsubscribeToken(this.secretKey, token);
  }

  /** Null when no such user is in that workspace (any more). */
  async get(recipient: Recipient): Promise<NoticeSetting | null> {
    const user = (await usersById(this.store, [recipient.userId])).get(recipient.userId);
    if (user?.workspaceId !== recipient.workspaceId) return null;
    const [workspace, optedOut] = await Promise.all([
      findWorkspace({ ctx: { store: this.store }, input: { workspaceId: recipient.workspaceId } }),
      this.store.db
        .selectFrom('email_opt_outs')
        .select('user_id')
        .where('workspace_id', '=', recipient.workspaceId)
        .where('user_id', '=', recipient.userId)
        .executeTakeFirst(),
    ]);
    return workspace ? { email: user.email, workspaceName: workspace.name, enabled: optedOut === undefined } : null;
  }

  /**
   * Turns the user's notices on or off; the same call twice changes nothing more. A mail already
   * queued for a user who turned them off is not sent: the sender checks again before each one.
   */
  async set(recipient: Recipient, enabled: boolean, now: Date): Promise<NoticeSetting | null> {
    const current = await this.get(recipient);
    if (!current || current.enabled === enabled) return current;
    if (enabled) {
      await this.store.db
        .deleteFrom('email_opt_outs')
        .where('workspace_id', '=', recipient.workspaceId)
        .where('user_id', '=', recipient.userId)
        .execute();
    } else {
      await this.store.db
        .insertInto('email_opt_outs')
        .values({ workspace_id: recipient.workspaceId, user_id: recipient.userId, created_at: now.getTime() })
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
        .execute();
    }
    return { ...current, enabled };
  }
}

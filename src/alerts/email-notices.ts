import type { Store } from '../store/store.ts';
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
    const row = await this.store.db
      .selectFrom('users as u')
      .innerJoin('workspaces as w', 'w.id', 'u.workspace_id')
      .leftJoin('email_opt_outs as o', (join) =>
        join.onRef('o.workspace_id', '=', 'u.workspace_id').onRef('o.user_id', '=', 'u.id'),
      )
      .select(['u.email', 'w.name', 'o.user_id as optedOut'])
      .where('u.workspace_id', '=', recipient.workspaceId)
      .where('u.id', '=', recipient.userId)
      .executeTakeFirst();
    return row ? { email: row.email, workspaceName: row.name, enabled: row.optedOut === null } : null;
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

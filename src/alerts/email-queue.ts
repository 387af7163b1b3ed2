import type { Call, Context } from '../ledger/context.ts';
import { randomId } from '../ledger/random-id.ts';
import { userIdsOf } from '../users/users.ts';
import type { OutboxTxContext } from './context.ts';
import { hasEmailTemplate } from './email-templates.ts';
import type { EventType } from './events.ts';

/**
 * States whether this deployment sends mail (TALLY_SMTP_URL set). Kept in the database rather than in
 * the process because `recordEvent` runs inside whatever transaction causes the event, anywhere in the
 * code: the outbox reads it there before it finds the recipients. Every process
 * states it at start, so all of them should be given the same TALLY_SMTP_URL.
 */
export async function setEmailEnabled({ ctx, input }: { ctx: Context; input: { enabled: boolean } }): Promise<void> {
  const values = { enabled: input.enabled ? 1 : 0, updated_at: ctx.clock().getTime() };
  await ctx.store.db
    .insertInto('email_settings')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

/**
 * Queues one e-mail per dashboard user of the workspace who has not unsubscribed, for an event just
 * put in the outbox, in the caller's transaction: the mail exists exactly when the event does.
 */
export async function queueEmails({
  ctx,
  input,
}: Call<OutboxTxContext, { workspaceId: string; event: { id: string; seq: number; type: EventType } }>): Promise<void> {
  const { db, now } = ctx;
  const { workspaceId, event } = input;
  if (!hasEmailTemplate(event.type)) return;
  const enabled = await db
    .selectFrom('email_settings')
    .select('id')
    .where('id', '=', 1)
    .where('enabled', '=', 1)
    .executeTakeFirst();
  if (!enabled) return;
  const users = await userIdsOf(db, workspaceId);
  if (users.length === 0) return;
  const optedOut = new Set(
    (await db.selectFrom('email_opt_outs').select('user_id').where('workspace_id', '=', workspaceId).execute()).map(
      (row) => row.user_id,
    ),
  );
  const recipients = users.filter((id) => !optedOut.has(id));
  if (recipients.length === 0) return;
  await db
    .insertInto('email_deliveries')
    .values(
      recipients.map((userId) => ({
        workspace_id: workspaceId,
        id: randomId('eml'),
        event_id: event.id,
        event_seq: event.seq,
        user_id: userId,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now.getTime(),
        lease_token: null,
        last_attempt_at: null,
        last_error: null,
        delivered_at: null,
        created_at: now.getTime(),
      })),
    )
    .execute();
}

import { assertSameConversation } from '../domain/conversations.ts';
import { TallyError } from '../domain/errors.ts';
import { isValidId } from '../domain/ids.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Channel, Conversation } from '../store/store.ts';
import { MAX_EVENT_AGE_MS, MAX_EVENT_SKEW_MS } from './charge-response.ts';
import type { Call, Context } from './context.ts';

export interface ConversationInput {
  workspaceId: string;
  id: string;
  channel: Channel;
  agentId: string;
  startedAt?: Date;
}

/** Counts a call or chat the first time it is seen; a repeat changes nothing and says so. */
export async function recordConversation({
  ctx,
  input,
}: Call<Context, ConversationInput>): Promise<{ conversation: Conversation; created: boolean }> {
  const now = ctx.clock();
  for (const field of ['id', 'agentId'] as const) {
    if (!isValidId(input[field])) {
      throw new TallyError('invalid_request', `${field} must be 1-128 letters, digits, or . _ : - characters.`, {
        field,
      });
    }
  }
  const startedAt = input.startedAt ?? now;
  const at = startedAt.getTime();
  if (Number.isNaN(at) || at < now.getTime() - MAX_EVENT_AGE_MS || at > now.getTime() + MAX_EVENT_SKEW_MS) {
    throw new TallyError('invalid_request', 'startedAt must be within the last 35 days and not in the future.', {
      field: 'startedAt',
    });
  }
  return ctx.store.transaction(async (tx) => {
    const account = workspaceMustExist(await tx.lockAccount(input.workspaceId), input.workspaceId);
    const existing = await tx.findConversation(input.workspaceId, input.id);
    if (existing) {
      assertSameConversation(existing, input);
      return { conversation: existing, created: false };
    }
    const conversation: Conversation = { ...input, startedAt };
    await tx.insertConversation(conversation, now);
    await tx.bumpRollup({
      workspaceId: input.workspaceId,
      at: startedAt,
      timeZone: account.timeZone,
      features: [],
      channel: input.channel,
      agentId: input.agentId,
      creditsUsed: 0,
      responses: 0,
      conversations: 1,
    });
    return { conversation, created: true };
  });
}

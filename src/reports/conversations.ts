import { addDays, type DayRange, dayIn } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import type { Call } from '../ledger/context.ts';
import {
  type ConversationResponse,
  type ConversationSummary,
  conversationsPage,
  conversationWithResponses,
} from '../ledger/conversation-reads.ts';
import { timeZoneOf } from '../ledger/workspace-settings.ts';
import type { WorkspaceRef } from '../ledger/workspaces.ts';
import type { Channel } from '../store/store.ts';
import type { ReportsContext } from './context.ts';
import { CursorCodec, type Position } from './cursor.ts';
import { dayBounds } from './day-bounds.ts';
import { resolveRange } from './ranges.ts';

export const DEFAULT_CONVERSATION_DAYS = 30;
export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_CONVERSATION_RESPONSES = 1000;

export interface ConversationFilter {
  from?: string | undefined;
  to?: string | undefined;
  agentId?: string | undefined;
  channel?: Channel | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * The conversations view, newest first, in keyset pages whose cursors are signed with the server's
 * key; the pages themselves are read by src/ledger/conversation-reads.ts.
 */
export async function listConversations({
  ctx,
  input,
}: Call<ReportsContext, WorkspaceRef & ConversationFilter>): Promise<
  DayRange & { items: ConversationSummary[]; nextCursor: string | null }
> {
  const now = ctx.clock();
  const { workspaceId } = input;
  const cursors = new CursorCodec(ctx.secretKey);
  const zone = await timeZoneOf({ ctx, input: { workspaceId } });
  const today = dayIn(now, zone);
  const range = resolveRange(
    input.from,
    input.to,
    { from: addDays(today, -(DEFAULT_CONVERSATION_DAYS - 1)), to: today },
    zone,
  );
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  const query = JSON.stringify(['conversations', workspaceId, range, input.agentId ?? null, input.channel ?? null]);
  const after = input.cursor === undefined ? null : cursors.decode(input.cursor, query);
  const { start, end } = dayBounds(range, zone);

  const page = await conversationsPage({
    ctx,
    input: { workspaceId, start, end, agentId: input.agentId, channel: input.channel, after, limit },
  });
  const last = page.items.at(-1);
  return {
    ...range,
    items: page.items,
    nextCursor: page.more && last ? cursors.encode({ at: last.startedAt.getTime(), id: last.id }, query) : null,
  };
}

/** One conversation with its responses, oldest first; another workspace's is not found. */
export async function getConversation({
  ctx,
  input,
}: Call<
  ReportsContext,
  WorkspaceRef & { conversationId: string; cursor?: string | undefined; limit?: number | undefined }
>): Promise<ConversationSummary & { items: ConversationResponse[]; nextCursor: string | null }> {
  const { workspaceId, conversationId } = input;
  const cursors = new CursorCodec(ctx.secretKey);
  const limit = input.limit ?? DEFAULT_CONVERSATION_RESPONSES;
  const query = JSON.stringify(['conversation', workspaceId, conversationId]);
  const after: Position | null = input.cursor === undefined ? null : cursors.decode(input.cursor, query);
  const conversation = await conversationWithResponses({ ctx, input: { workspaceId, conversationId, after, limit } });
  if (!conversation) throw new TallyError('not_found', `Conversation ${conversationId} does not exist.`);
  const { more, ...shown } = conversation;
  const last = shown.items.at(-1);
  return {
    ...shown,
    nextCursor: more && last ? cursors.encode({ at: last.occurredAt.getTime(), id: last.id }, query) : null,
  };
}

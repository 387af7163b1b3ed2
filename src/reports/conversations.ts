import type { Clock } from '../domain/clock.ts';
import { addDays, dayIn } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import {
  type ConversationResponse,
  type ConversationSummary,
  conversationsPage,
  conversationWithResponses,
} from '../ledger/conversation-reads.ts';
import { timeZoneOf } from '../ledger/workspace-settings.ts';
import type { Channel, Store } from '../store/store.ts';
import { CursorCodec, type Position } from './cursor.ts';
import { dayBounds } from './day-bounds.ts';
import { type DayRange, resolveRange } from './usage.ts';

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
export function createConversationReads(store: Store, clock: Clock, secretKey: Uint8Array) {
  const cursors = new CursorCodec(secretKey);

  return {
    async list(
      workspaceId: string,
      filter: ConversationFilter,
    ): Promise<DayRange & { items: ConversationSummary[]; nextCursor: string | null }> {
      const zone = await timeZoneOf(store, workspaceId);
      const today = dayIn(clock(), zone);
      const range = resolveRange(
        filter.from,
        filter.to,
        { from: addDays(today, -(DEFAULT_CONVERSATION_DAYS - 1)), to: today },
        zone,
      );
      const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
      const query = JSON.stringify([
        'conversations',
        workspaceId,
        range,
        filter.agentId ?? null,
        filter.channel ?? null,
      ]);
      const after = filter.cursor === undefined ? null : cursors.decode(filter.cursor, query);
      const { start, end } = dayBounds(range, zone);

      const page = await conversationsPage(store, {
        workspaceId,
        start,
        end,
        agentId: filter.agentId,
        channel: filter.channel,
        after,
        limit,
      });
      const last = page.items.at(-1);
      return {
        ...range,
        items: page.items,
        nextCursor: page.more && last ? cursors.encode({ at: last.startedAt.getTime(), id: last.id }, query) : null,
      };
    },

    /** One conversation with its responses, oldest first; another workspace's is not found. */
    async get(
      workspaceId: string,
      conversationId: string,
      page: { cursor?: string | undefined; limit?: number | undefined } = {},
    ): Promise<ConversationSummary & { items: ConversationResponse[]; nextCursor: string | null }> {
      const limit = page.limit ?? DEFAULT_CONVERSATION_RESPONSES;
      const query = JSON.stringify(['conversation', workspaceId, conversationId]);
      const after: Position | null = page.cursor === undefined ? null : cursors.decode(page.cursor, query);
      const conversation = await conversationWithResponses(store, workspaceId, conversationId, after, limit);
      if (!conversation) throw new TallyError('not_found', `Conversation ${conversationId} does not exist.`);
      const { more, ...shown } = conversation;
      const last = shown.items.at(-1);
      return {
        ...shown,
        nextCursor: more && last ? cursors.encode({ at: last.occurredAt.getTime(), id: last.id }, query) : null,
      };
    },
  };
}

export type ConversationReads = ReturnType<typeof createConversationReads>;

import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ConversationReply, ConversationsReply } from '../../../src/contract/conversations.ts';
import { api } from './client.ts';

export type { ConversationItem, ConversationReply, ConversationResponse } from '../../../src/contract/conversations.ts';

/** What the conversations view filters by; days are `YYYY-MM-DD`, both included. */
export interface ConversationFilter {
  from: string;
  to: string;
  agentId: string;
  channel: '' | 'call' | 'chat';
}

export function conversationsQuery(filter: ConversationFilter): string {
  const params = new URLSearchParams({ from: filter.from, to: filter.to });
  if (filter.agentId) params.set('agentId', filter.agentId);
  if (filter.channel) params.set('channel', filter.channel);
  return params.toString();
}

/** Pages of conversations, newest first; `fetchNextPage` follows the API's cursor. */
export function useConversations(filter: ConversationFilter) {
  const query = conversationsQuery(filter);
  return useInfiniteQuery({
    queryKey: ['conversations', query],
    queryFn: ({ signal, pageParam }) =>
      api<ConversationsReply>(
        `/v1/conversations?${query}&limit=25${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
        { signal },
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useConversation(id: string | null) {
  return useQuery({
    queryKey: ['conversation', id],
    queryFn: ({ signal }) => api<ConversationReply>(`/v1/conversations/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: id !== null,
  });
}

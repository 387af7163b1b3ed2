import { Type } from '@sinclair/typebox';
import {
  ConversationQuery,
  ConversationReply,
  ConversationsQuery,
  ConversationsReply,
} from '../../contract/conversations.ts';
import type { ReportsContext } from '../../reports/context.ts';
import { getConversation, listConversations } from '../../reports/conversations.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, toCredits } from '../convert.ts';
import type { App } from '../server.ts';

/** Conversations and the responses in them, in keyset pages read from indexes (migration 013). */
export function conversationRoutes(ctx: ReportsContext) {
  return (app: App) => {
    app.get(
      '/v1/conversations',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'listConversations',
          summary: 'Conversations, newest first, with their responses and credits',
          description:
            'Conversations first seen in a range of whole UTC days (default: the last 30 days), optionally one agent or channel. Keyset pages: a page reads at most `limit + 1` conversations and their responses, whatever the workspace holds. A cursor that was not returned for the same filters is a 400.',
          tags: ['read'],
          querystring: ConversationsQuery,
          response: { 200: ConversationsReply },
        },
      },
      async (request) => {
        const page = await listConversations({ ctx, input: { ...request.query, workspaceId: workspaceOf(request) } });
        return {
          ...page,
          items: page.items.map((item) => ({
            ...item,
            startedAt: iso(item.startedAt),
            creditsUsed: toCredits(item.creditsUsed),
          })),
        };
      },
    );

    app.get(
      '/v1/conversations/:id',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getConversation',
          summary: 'One conversation with each response, its cost, and whether it was refunded',
          description:
            "Responses oldest first, up to `limit` (1000) per page. Another workspace's conversation is a 404.",
          tags: ['read'],
          params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
          querystring: ConversationQuery,
          response: { 200: ConversationReply },
        },
      },
      async (request) => {
        const { items, responses, ...conversation } = await getConversation({
          ctx,
          input: { ...request.query, workspaceId: workspaceOf(request), conversationId: request.params.id },
        });
        return {
          ...conversation,
          startedAt: iso(conversation.startedAt),
          creditsUsed: toCredits(conversation.creditsUsed),
          responseCount: responses,
          responses: items.map((response) => ({
            ...response,
            occurredAt: iso(response.occurredAt),
            cost: toCredits(response.cost),
          })),
        };
      },
    );
  };
}

import { TallyError } from './errors.ts';

interface ConversationOwner {
  channel: string;
  agentId: string;
}

/**
 * A conversation belongs to the agent and the channel it was first seen with. Recording it again or
 * charging a response in it under another agent or channel is refused, so its calls, chats and
 * credits are never counted under two agents or channels.
 */
export function assertSameConversation(
  conversation: ConversationOwner & { id: string },
  asked: ConversationOwner,
): void {
  if (conversation.channel === asked.channel && conversation.agentId === asked.agentId) return;
  throw new TallyError(
    'conversation_mismatch',
    `Conversation ${conversation.id} belongs to agent ${conversation.agentId} on ${conversation.channel}, not to agent ${asked.agentId} on ${asked.channel}; use a new conversation id for another agent or channel.`,
    { conversationId: conversation.id, channel: conversation.channel, agentId: conversation.agentId },
  );
}

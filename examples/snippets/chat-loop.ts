import { meter, TallyApiError, type TallyClient } from '@tally/client';

/**
 * One chat reply without the AI SDK: `meter` holds the credits, runs `generate`, charges the
 * reply when it succeeded and gives the hold back when it threw.
 */
export async function replyInChat(
  tally: TallyClient,
  chatId: string,
  message: string,
  generate: (message: string) => Promise<string>,
) {
  try {
    const { result, charge } = await meter(
      tally,
      { conversationId: chatId, channel: 'chat', agentId: 'website-bot' },
      () => generate(message),
    );
    return { reply: result, cost: charge.cost };
  } catch (error) {
    if (error instanceof TallyApiError && error.code === 'insufficient_credits') {
      return { reply: 'Sorry, this assistant is unavailable right now.', cost: 0 };
    }
    throw error;
  }
}

import { tallyMiddleware } from '@tally/ai-sdk';
import type { TallyClient } from '@tally/client';
import { generateText, wrapLanguageModel } from 'ai';

type Model = Parameters<typeof wrapLanguageModel>[0]['model'];

/** One chat reply with the AI SDK: reserved before the model runs, charged when it answered. */
export async function replyWithAiSdk(tally: TallyClient, model: Model, chatId: string, message: string) {
  const metered = wrapLanguageModel({
    model,
    middleware: tallyMiddleware({ client: tally, conversationId: chatId, agentId: 'website-bot', channel: 'chat' }),
  });
  const { text } = await generateText({ model: metered, prompt: message });
  return text;
}

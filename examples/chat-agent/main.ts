import { tallyMiddleware } from '@tally/ai-sdk';
import { newId, TallyApiError, TallyClient, TallyRequestError } from '@tally/client';
import { generateText, wrapLanguageModel } from 'ai';
import { TemplateReplyModel } from './template-model.ts';

/**
 * A chat agent metered by Tally: each message gets one reply, charged as one AI response of one
 * conversation. Prints a JSON line per message: {message, reply, charged} or {message, error}.
 *
 *   TALLY_URL=http://127.0.0.1:3000 TALLY_API_KEY=tally_… [TALLY_FEATURES=voice:elevenlabs] \
 *     npm run example:chat -- "Hello" "What are your hours?"
 */
function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: the example needs TALLY_URL and TALLY_API_KEY (a key with the ingest scope).`);
    process.exit(2);
  }
  return value;
}

const messages = process.argv.slice(2);
if (messages.length === 0) {
  console.error('Usage: npm run example:chat -- "message" ["message" …]');
  process.exit(2);
}
const features = (process.env.TALLY_FEATURES ?? '')
  .split(',')
  .map((feature) => feature.trim())
  .filter((feature) => feature.length > 0);

const client = new TallyClient({ baseUrl: requiredEnv('TALLY_URL'), apiKey: requiredEnv('TALLY_API_KEY') });
let charged = 0;
const model = wrapLanguageModel({
  model: new TemplateReplyModel(),
  middleware: tallyMiddleware({
    client,
    conversationId: newId('chat'),
    agentId: 'example-chat-agent',
    channel: 'chat',
    features,
    onCharge: (charge) => {
      charged = charge.cost;
    },
  }),
});

for (const message of messages) {
  try {
    const { text } = await generateText({ model, prompt: message, maxRetries: 0 });
    console.log(JSON.stringify({ message, reply: text, charged }));
  } catch (error) {
    if (!(error instanceof TallyApiError || error instanceof TallyRequestError)) throw error;
    console.log(JSON.stringify({ message, error: error.code }));
  }
}

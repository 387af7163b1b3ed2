import { SpendLimitReachedError, TallyApiError, TallyClient } from '@tally/client';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV3 } from 'ai/test';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { tallyMiddleware } from './middleware.ts';

type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;
type StreamResult = Awaited<ReturnType<MockLanguageModelV3['doStream']>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer Part> ? Part : never;
type Prompt = Parameters<MockLanguageModelV3['doGenerate']>[0]['prompt'];

const usage: GenerateResult['usage'] = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 2, text: 2, reasoning: undefined },
};
const finishReason: GenerateResult['finishReason'] = { unified: 'stop', raw: 'stop' };
const reply: GenerateResult = { content: [{ type: 'text', text: 'Hello there' }], finishReason, usage, warnings: [] };
const replyParts: StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: 't1' },
  { type: 'text-delta', id: 't1', delta: 'Hello ' },
  { type: 'text-delta', id: 't1', delta: 'there' },
  { type: 'text-end', id: 't1' },
  { type: 'finish', finishReason, usage },
];
const prompt: Prompt = [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }];

describeStores('metering AI SDK calls with tallyMiddleware', (ctx) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(ctx.store);
  });
  afterEach(() => server.close());

  async function agentOf(credits: number, features?: string[]) {
    const ws = await server.workspace(credits);
    const client = new TallyClient({ baseUrl: server.url, apiKey: ws.key });
    const charges: number[] = [];
    const middleware = tallyMiddleware({
      client,
      conversationId: 'chat-1',
      agentId: 'support-bot',
      channel: 'chat',
      features,
      onCharge: (charge) => charges.push(charge.cost),
    });
    return { client, middleware, charges };
  }

  it('charges one credit for a generated reply, in a conversation registered by the charge', async () => {
    const { client, middleware, charges } = await agentOf(10);
    const model = wrapLanguageModel({ model: new MockLanguageModelV3({ doGenerate: reply }), middleware });
    const { text } = await generateText({ model, prompt: 'Hi' });
    expect(text).toBe('Hello there');
    expect(charges).toEqual([1]);
    expect(await client.balance()).toMatchObject({ available: 9, held: 0 });
    expect(await client.usageSummary()).toMatchObject({ responses: 1, chats: 1, creditsUsed: 1 });
  });

  it('charges 1.5 credits for a reply spoken with a premium voice', async () => {
    const { client, middleware, charges } = await agentOf(10, ['voice:elevenlabs']);
    const model = wrapLanguageModel({ model: new MockLanguageModelV3({ doGenerate: reply }), middleware });
    await generateText({ model, prompt: 'Hi' });
    expect(charges).toEqual([1.5]);
    expect((await client.balance()).available).toBe(8.5);
  });

  it('charges a streamed reply once, when the stream finishes', async () => {
    const { client, middleware, charges } = await agentOf(10);
    const model = wrapLanguageModel({
      model: new MockLanguageModelV3({ doStream: { stream: convertArrayToReadableStream(replyParts) } }),
      middleware,
    });
    const result = streamText({ model, prompt: 'Hi' });
    expect(await result.text).toBe('Hello there');
    expect(charges).toEqual([1]);
    expect(await client.balance()).toMatchObject({ available: 9, held: 0 });
  });

  it('only holds the credits while the stream is still being read', async () => {
    const { client, middleware, charges } = await agentOf(10);
    let source: ReadableStreamDefaultController<StreamPart> | undefined;
    const stream = new ReadableStream<StreamPart>({
      start: (controller) => {
        source = controller;
      },
    });
    const model = wrapLanguageModel({ model: new MockLanguageModelV3({ doStream: { stream } }), middleware });
    const reader = (await model.doStream({ prompt })).stream.getReader();
    source?.enqueue(replyParts[0]);
    await reader.read();
    expect(await client.balance()).toMatchObject({ available: 9, held: 1 });
    expect((await client.usageSummary()).responses).toBe(0);
    for (const part of replyParts.slice(1)) source?.enqueue(part);
    source?.close();
    while (!(await reader.read()).done) {}
    expect(charges).toEqual([1]);
    expect(await client.balance()).toMatchObject({ available: 9, held: 0 });
    expect((await client.usageSummary()).responses).toBe(1);
  });

  it('gives the credits back when the model fails', async () => {
    const { client, middleware, charges } = await agentOf(10);
    const failing = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new Error('model overloaded');
      },
    });
    const model = wrapLanguageModel({ model: failing, middleware });
    await expect(generateText({ model, prompt: 'Hi', maxRetries: 0 })).rejects.toThrow('model overloaded');
    expect(charges).toEqual([]);
    expect(await client.balance()).toMatchObject({ available: 10, held: 0 });
  });

  it('gives the credits back when the stream is cancelled or fails midway', async () => {
    const { client, middleware, charges } = await agentOf(10);
    const cancelled = wrapLanguageModel({
      model: new MockLanguageModelV3({ doStream: { stream: convertArrayToReadableStream(replyParts) } }),
      middleware,
    });
    const { stream } = await cancelled.doStream({ prompt });
    await stream.cancel('the caller hung up');
    expect(await client.balance()).toMatchObject({ available: 10, held: 0 });

    const broken = new ReadableStream<StreamPart>({
      start(controller) {
        controller.enqueue(replyParts[0]);
        controller.error(new Error('connection reset'));
      },
    });
    const failing = wrapLanguageModel({ model: new MockLanguageModelV3({ doStream: { stream: broken } }), middleware });
    const reader = (await failing.doStream({ prompt })).stream.getReader();
    await expect(
      (async () => {
        while (!(await reader.read()).done) {}
      })(),
    ).rejects.toThrow('connection reset');
    expect(charges).toEqual([]);
    expect(await client.balance()).toMatchObject({ available: 10, held: 0 });
  });

  it('gives the credits back when the model reports an error in its stream', async () => {
    const { client, middleware, charges } = await agentOf(10);
    const parts: StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'error', error: new Error('content filtered') },
      { type: 'finish', finishReason: { unified: 'error', raw: undefined }, usage },
    ];
    const model = wrapLanguageModel({
      model: new MockLanguageModelV3({ doStream: { stream: convertArrayToReadableStream(parts) } }),
      middleware,
    });
    const reader = (await model.doStream({ prompt })).stream.getReader();
    while (!(await reader.read()).done) {}
    expect(charges).toEqual([]);
    expect(await client.balance()).toMatchObject({ available: 10, held: 0 });
  });

  it('refuses a workspace with no credits before the model is called', async () => {
    const { middleware } = await agentOf(0);
    const mock = new MockLanguageModelV3({ doGenerate: reply });
    const model = wrapLanguageModel({ model: mock, middleware });
    const error = await generateText({ model, prompt: 'Hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyApiError);
    expect(error).toMatchObject({ status: 402, code: 'insufficient_credits' });
    expect(mock.doGenerateCalls).toHaveLength(0);
  });

  it('refuses an agent past its own block spend limit before the model is called, and lets the others run', async () => {
    const ws = await server.workspace(10);
    const client = new TallyClient({ baseUrl: server.url, apiKey: ws.key });
    const limits = { agents: [{ agentId: 'support-bot', credits: 1, mode: 'block' }] };
    expect((await server.call('PUT', '/v1/limits', { key: ws.key, body: limits })).status).toBe(200);
    const charges: number[] = [];
    const agent = (agentId: string, model: MockLanguageModelV3) =>
      wrapLanguageModel({
        model,
        middleware: tallyMiddleware({
          client,
          conversationId: `chat-${agentId}`,
          agentId,
          channel: 'chat',
          onCharge: (charge) => charges.push(charge.cost),
        }),
      });
    const mock = new MockLanguageModelV3({ doGenerate: reply });
    await generateText({ model: agent('support-bot', mock), prompt: 'Hi' });
    const error = await generateText({ model: agent('support-bot', mock), prompt: 'Hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpendLimitReachedError);
    expect(error).toMatchObject({
      status: 402,
      code: 'spend_limit_reached',
      limit: { scope: 'agent', agentId: 'support-bot', limit: 1, used: 1 },
    });
    expect(mock.doGenerateCalls).toHaveLength(1);
    await generateText({ model: agent('sales-bot', new MockLanguageModelV3({ doGenerate: reply })), prompt: 'Hi' });
    expect(charges).toEqual([1, 1]);
    expect(await client.balance()).toMatchObject({ available: 8, held: 0 });
  });
});

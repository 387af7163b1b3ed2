import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TallyClient, type WebhookEvent } from '@tally/client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deliverDue } from '../../src/alerts/delivery.ts';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../test/support/http.ts';
import { describeStores } from '../../test/support/stores.ts';
import { TemplateReplyModel } from '../chat-agent/template-model.ts';
import { replyInChat } from './chat-loop.ts';
import { replyWithAiSdk } from './chat-middleware.ts';
import { usagePageUrl } from './dashboard-link.ts';
import { answerCall, speakTurn } from './voice-turn.ts';
import { tallyWebhooks } from './webhook-receiver.ts';

describeStores('the snippets of docs/integration.md', (ctx) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(ctx.store);
  });
  afterEach(() => server.close());

  const workspaceClient = async (credits: number) => {
    const ws = await server.workspace(credits);
    return { id: ws.id, tally: new TallyClient({ baseUrl: server.url, apiKey: ws.key }) };
  };

  it('chat with the AI SDK middleware: one credit per reply', async () => {
    const { tally } = await workspaceClient(10);
    const text = await replyWithAiSdk(tally, new TemplateReplyModel(), 'chat-42', 'Hello');
    expect(text).toBe('You said "Hello". How else can I help?');
    expect(await tally.balance()).toMatchObject({ available: 9, held: 0 });
  });

  it('chat with meter: charged when generated, a fallback when out of credits, the hold back on failure', async () => {
    const { tally } = await workspaceClient(1);
    expect(await replyInChat(tally, 'chat-7', 'Hi', async () => 'Hello!')).toEqual({ reply: 'Hello!', cost: 1 });
    await expect(replyInChat(tally, 'chat-7', 'Hi', async () => 'never')).resolves.toEqual({
      reply: 'Sorry, this assistant is unavailable right now.',
      cost: 0,
    });
    const { tally: other } = await workspaceClient(3);
    await expect(
      replyInChat(other, 'chat-8', 'Hi', async () => {
        throw new Error('model down');
      }),
    ).rejects.toThrow('model down');
    expect(await other.balance()).toMatchObject({ available: 3, held: 0 });
  });

  it('voice: a call counted once, a premium-voice turn charged 1.5 once even when retried', async () => {
    const { tally } = await workspaceClient(2);
    await answerCall(tally, 'CA123', 'receptionist');
    const turn = { callSid: 'CA123', agentId: 'receptionist', index: 1, premiumVoice: true };
    let spoken = 0;
    const speak = async () => {
      spoken += 1;
    };
    expect(await speakTurn(tally, turn, speak)).toBe('spoken');
    expect(await speakTurn(tally, turn, speak)).toBe('spoken');
    expect((await tally.balance()).available).toBe(0.5);
    expect(await tally.usageSummary()).toMatchObject({ calls: 1, responses: 1, creditsUsed: 1.5 });
    expect(await speakTurn(tally, { ...turn, index: 2 }, speak)).toBe('out_of_credits');
    expect(spoken).toBe(2);
  });

  it('webhooks: the receiver verifies and handles a real delivery, and refuses a forged one', async () => {
    const events: WebhookEvent[] = [];
    let listener: RequestListener = (_, response) => response.writeHead(503).end();
    const endpoint = createServer((request, response) => listener(request, response));
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/tally`;
      const operator = new TallyClient({ baseUrl: server.url, apiKey: TEST_ADMIN_KEY });
      const { secret } = await operator.createWebhook({ url, events: ['credits.low'] });
      listener = tallyWebhooks(secret, (event) => events.push(event));

      const { id, tally } = await workspaceClient(5);
      for (let i = 0; i < 4; i += 1) {
        await tally.chargeResponse({ id: `r${i}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' });
      }
      await deliverDue({ ctx: server.app.ctx });
      expect(events).toEqual([expect.objectContaining({ type: 'credits.low', workspaceId: id })]);

      const forged = await fetch(url, {
        method: 'POST',
        headers: { 'webhook-id': 'evt_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) },
        body: JSON.stringify({ id: 'evt_forged', type: 'credits.low' }),
      });
      expect(forged.status).toBe(400);
      expect(events).toHaveLength(1);
    } finally {
      endpoint.closeAllConnections();
      await new Promise((resolve) => endpoint.close(resolve));
    }
  });

  it('embedding: a one-time link that signs a browser in once', async () => {
    const { tally } = await workspaceClient(0);
    const url = await usagePageUrl(tally, 'https://app.example.com/settings');
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(410);
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { deliverDue } from '../../../src/alerts/delivery.ts';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { startReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver.ts';
import { TallyClient } from './client.ts';
import { verifyWebhook } from './webhooks.ts';

describeStores('verifying a real webhook delivery', (ctx) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    server = await startServer(ctx.store);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await server.close();
  });

  async function deliverCreditsLow() {
    const operator = new TallyClient({ baseUrl: server.url, apiKey: TEST_ADMIN_KEY });
    const hook = await operator.createWebhook({ url: receiver.url, events: ['credits.low'] });
    const ws = await server.workspace(5);
    const agent = new TallyClient({ baseUrl: server.url, apiKey: ws.key });
    for (let i = 0; i < 4; i += 1) {
      await agent.chargeResponse({ id: `r${i}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' });
    }
    await deliverDue({ ctx: server.app.ctx });
    const [delivery] = receiver.received;
    if (!delivery) throw new Error('no delivery arrived');
    return { secret: hook.secret, workspaceId: ws.id, delivery };
  }

  it('returns the event of a delivery signed with the subscription secret', async () => {
    const { secret, workspaceId, delivery } = await deliverCreditsLow();
    const event = verifyWebhook(delivery.body, delivery.headers, secret);
    expect(event).toMatchObject({ type: 'credits.low', workspaceId, data: { state: 'low', available: 1 } });
  });

  it('throws for a body changed on the way, or the wrong secret', async () => {
    const { secret, delivery } = await deliverCreditsLow();
    const tampered = delivery.body.replace('"available":1', '"available":100');
    expect(() => verifyWebhook(tampered, delivery.headers, secret)).toThrow();
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => verifyWebhook(delivery.body, delivery.headers, otherSecret)).toThrow();
  });

  it('reads headers from a fetch Headers object too', async () => {
    const { secret, delivery } = await deliverCreditsLow();
    const headers = new Headers();
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      headers.set(name, String(delivery.headers[name]));
    }
    expect(verifyWebhook(delivery.body, headers, secret).type).toBe('credits.low');
  });
});

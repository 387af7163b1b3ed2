import { afterEach, beforeEach, expect, it } from 'vitest';
import { serveEachTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { startReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver.ts';
import { deliverDue } from '../../alerts/delivery.ts';
import { verifyTallySignature } from '../../alerts/signature.ts';

describeStores('webhook subscriptions over HTTP', (ctx) => {
  const { server, clock } = serveEachTest(ctx, { startsAt: '2026-11-01T12:00:00Z' });
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  const operator = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    server.call(method, path, { key: TEST_ADMIN_KEY, body, headers });

  it('creates a subscription and shows its secret only once', async () => {
    const created = await operator('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['credits.low', 'credits.depleted'],
      description: 'ops pager',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wh_/),
      url: receiver.url,
      events: ['credits.depleted', 'credits.low'],
      description: 'ops pager',
      createdAt: clock.now().toISOString(),
      secret: expect.stringMatching(/^whsec_/),
    });
    const { secret, ...shown } = created.body;
    expect((await operator('GET', '/v1/webhooks')).body).toEqual({ webhooks: [shown] });
    expect((await operator('GET', `/v1/webhooks/${shown.id}`)).body).toEqual(shown);
  });

  it('answers a retried create with the same Idempotency-Key with the first subscription', async () => {
    const body = { url: receiver.url, events: ['credits.low'] };
    const first = await operator('POST', '/v1/webhooks', body, { 'idempotency-key': 'create-1' });
    const retry = await operator('POST', '/v1/webhooks', body, { 'idempotency-key': 'create-1' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await operator('GET', '/v1/webhooks')).body.webhooks).toHaveLength(1);
    const changed = await operator(
      'POST',
      '/v1/webhooks',
      { ...body, events: ['credits.depleted'] },
      {
        'idempotency-key': 'create-1',
      },
    );
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('idempotency_conflict');
  });

  it('refuses unknown event types, bad URLs and empty lists with 400', async () => {
    for (const body of [
      { url: receiver.url, events: ['credits.sold'] },
      { url: 'ftp://example.com/hook', events: ['credits.low'] },
      { url: 'not a url', events: ['credits.low'] },
      { url: receiver.url, events: [] },
    ]) {
      const res = await operator('POST', '/v1/webhooks', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });

  it('is for the operator only', async () => {
    const ws = await server.workspace(10);
    const res = await server.call('POST', '/v1/webhooks', {
      key: ws.key,
      body: { url: receiver.url, events: ['credits.low'] },
    });
    expect(res.status).toBe(403);
    expect((await server.call('GET', '/v1/webhooks')).status).toBe(401);
  });

  it('deletes a subscription: gone from the list, its log a 404, deleting again is fine', async () => {
    const { body } = await operator('POST', '/v1/webhooks', { url: receiver.url, events: ['credits.low'] });
    expect((await operator('DELETE', `/v1/webhooks/${body.id}`)).status).toBe(204);
    expect((await operator('DELETE', `/v1/webhooks/${body.id}`)).status).toBe(204);
    expect((await operator('GET', '/v1/webhooks')).body.webhooks).toEqual([]);
    expect((await operator('GET', `/v1/webhooks/${body.id}/deliveries`)).status).toBe(404);
    expect((await operator('DELETE', '/v1/webhooks/wh_unknown')).status).toBe(404);
  });

  it('sends a signed credits.low when responses run a workspace low, and logs the delivery', async () => {
    const { body: hook } = await operator('POST', '/v1/webhooks', { url: receiver.url, events: ['credits.low'] });
    const ws = await server.workspace(5); // 20% of 5 credits: low at 1 credit left
    for (let i = 0; i < 4; i += 1) {
      const res = await server.call('POST', '/v1/responses', {
        key: ws.key,
        body: { id: `r${i}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' },
      });
      expect(res.status).toBe(201);
    }
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body).toMatchObject({ available: 1, low: true });
    await deliverDue({ ctx: server.app.ctx });

    expect(receiver.received).toHaveLength(1);
    const [received] = receiver.received;
    expect(received?.event).toMatchObject({
      type: 'credits.low',
      workspaceId: ws.id,
      data: { available: 1, threshold: 1, state: 'low', previousState: 'ok' },
    });
    const signature = String(received?.headers['tally-signature']);
    expect(verifyTallySignature(hook.secret, signature, received?.body ?? '', 300, clock.now())).toBe(true);

    const log = await operator('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual({
      deliveries: [
        {
          id: expect.stringMatching(/^whd_/),
          eventId: received?.event.id,
          eventType: 'credits.low',
          workspaceId: ws.id,
          status: 'delivered',
          attempts: 1,
          nextAttemptAt: null,
          deliveredAt: clock.now().toISOString(),
          createdAt: clock.now().toISOString(),
          log: [
            {
              attempt: 1,
              at: clock.now().toISOString(),
              statusCode: 200,
              error: null,
              responseExcerpt: 'ok',
              durationMs: expect.any(Number),
            },
          ],
        },
      ],
      nextCursor: null,
    });
  });

  it('pages the delivery log newest first', async () => {
    const { body: hook } = await operator('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['credits.low', 'credits.depleted', 'credits.recovered'],
    });
    const ws = await server.workspace(2);
    for (let i = 0; i < 2; i += 1) {
      clock.advance(1000);
      await server.call('POST', '/v1/responses', {
        key: ws.key,
        body: { id: `r${i}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' },
      });
    }
    clock.advance(1000);
    await operator('POST', `/v1/workspaces/${ws.id}/grants`, {
      id: 'top-up',
      amount: 10,
      source: 'purchase',
      reason: 'pack',
    });
    const first = await operator('GET', `/v1/webhooks/${hook.id}/deliveries?limit=2`);
    expect(first.body.deliveries.map((d: { eventType: string }) => d.eventType)).toEqual([
      'credits.recovered',
      'credits.depleted',
    ]);
    const second = await operator('GET', `/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.deliveries.map((d: { eventType: string }) => d.eventType)).toEqual(['credits.low']);
    expect(second.body.nextCursor).toBeNull();
    expect((await operator('GET', `/v1/webhooks/${hook.id}/deliveries?cursor=nonsense`)).status).toBe(400);
  });
});

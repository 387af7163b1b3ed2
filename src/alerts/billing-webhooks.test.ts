import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY, TestClock } from '../../test/support/clock.ts';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../test/support/http.ts';
import { describeStores } from '../../test/support/stores.ts';
import { startReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { deliverDue } from './delivery.ts';
import { verifyTallySignature } from './signature.ts';

describeStores('billing events as webhooks', (ctx) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let clock: TestClock;
  let secret: string;
  beforeEach(async () => {
    clock = new TestClock('2026-11-01T00:00:00Z');
    server = await startServer(ctx.store, { clock: clock.now, config: { payments: 'manual' } });
    receiver = await startReceiver();
    const hook = await server.call('POST', '/v1/webhooks', {
      key: TEST_ADMIN_KEY,
      body: { url: receiver.url, events: ['subscription.renewed', 'purchase.completed'] },
    });
    secret = hook.body.secret;
  });
  afterEach(async () => {
    await server.close();
    await receiver.close();
  });

  const delivered = async () => {
    await deliverDue({ ctx: server.app.ctx });
    for (const hook of receiver.received) {
      expect(verifyTallySignature(secret, String(hook.headers['tally-signature']), hook.body, 300, clock.now())).toBe(
        true,
      );
    }
    return receiver.received.map((hook) => hook.event);
  };

  it('sends purchase.completed once for a pack bought, however often the request is retried', async () => {
    const ws = await server.workspace();
    for (let i = 0; i < 2; i += 1) {
      const res = await server.call('POST', '/v1/purchases', {
        key: ws.key,
        body: { pack: 'pack-500' },
        headers: { 'idempotency-key': 'buy-1' },
      });
      expect(res.status).toBe(201);
    }
    const events = await delivered();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'purchase.completed',
      workspaceId: ws.id,
      data: { pack: 'pack-500', credits: 500, provider: 'manual', expiresAt: '2027-11-01T00:00:00.000Z' },
    });
  });

  it('sends subscription.renewed once per period renewed', async () => {
    const ws = await server.workspace();
    clock.advance(31 * DAY);
    await server.call('POST', '/v1/billing/renewals', { key: TEST_ADMIN_KEY });
    await server.call('POST', '/v1/billing/renewals', { key: TEST_ADMIN_KEY });
    clock.advance(30 * DAY);
    await server.call('POST', '/v1/billing/renewals', { key: TEST_ADMIN_KEY });
    const renewals = (await delivered()).filter((event) => event.workspaceId === ws.id);
    expect(
      renewals.map((event) => [event.type, event.data.plan, event.data.periodStart, event.data.periodEnd]),
    ).toEqual([
      ['subscription.renewed', 'free', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
      ['subscription.renewed', 'free', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
    ]);
    for (const event of renewals) {
      expect(event.data).toEqual(
        expect.objectContaining({ credits: expect.any(Number), rolledOver: expect.any(Number) }),
      );
    }
  });
});

import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeStores } from '../../test/support/stores.ts';
import { startReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { recordEvent } from './events.ts';
import { createWebhook } from './subscriptions.ts';
import { WebhookWorker } from './worker.ts';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeStores('the webhook worker', (ctx) => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it('delivers events recorded while it runs, and delivers nothing after stop', async () => {
    const alerts = { store: ctx.store, clock: () => new Date(), secretKey: randomBytes(32) };
    await createWebhook({ ctx: alerts, input: { url: receiver.url, events: ['credits.low'] } });
    const errors: unknown[] = [];
    const worker = new WebhookWorker({ ctx: alerts, pollMs: 20, onError: (error) => errors.push(error) });
    const record = () =>
      ctx.store.transaction((_tx, db) =>
        recordEvent({ ctx: { db, now: new Date() }, input: { workspaceId: 'ws_1', type: 'credits.low', data: {} } }),
      );

    worker.start();
    worker.start(); // a second start is ignored
    await record();
    await until(() => receiver.received.length === 1);
    // More than one round's worth arrives at once: full rounds follow each other without waiting.
    for (let i = 0; i < 45; i += 1) await record();
    await until(() => receiver.received.length === 46);

    await worker.stop();
    await record();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(46);
    expect(errors).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MINUTE, TestClock } from '../../test/support/clock.ts';
import { describeStores } from '../../test/support/stores.ts';
import { type ReceivedWebhook, startReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { AlertsContext } from './context.ts';
import { deliverDue } from './delivery.ts';
import { recordEvent } from './events.ts';
import { verifyTallySignature } from './signature.ts';
import { sealSigningSecret } from './signing-secrets.ts';
import { createWebhook } from './subscriptions.ts';

/** The three Standard Webhooks headers of a delivery, as a receiver passes them to `verify`. */
const standardHeaders = (hook: ReceivedWebhook | undefined) => ({
  'webhook-id': String(hook?.headers['webhook-id']),
  'webhook-timestamp': String(hook?.headers['webhook-timestamp']),
  'webhook-signature': String(hook?.headers['webhook-signature']),
});

/** A secret as Tally made them before Standard Webhooks: base64url, here with a `-` or `_` in it. */
function legacySecret(): string {
  for (;;) {
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    if (/[-_]/.test(secret)) return secret;
  }
}

describeStores('webhooks signed as Standard Webhooks', (ctx) => {
  const secretKey = randomBytes(32);
  let receiver: WebhookReceiver;
  let alerts: AlertsContext;
  // The library checks the timestamp against the real clock, so deliveries are made at real time.
  let clock: TestClock;
  beforeEach(async () => {
    receiver = await startReceiver();
    clock = new TestClock(new Date());
    alerts = { store: ctx.store, clock: clock.now, secretKey };
  });
  afterEach(() => receiver.close());

  const record = () =>
    ctx.store.transaction((_tx, db) =>
      recordEvent({
        ctx: { db, now: clock.now() },
        input: { workspaceId: 'ws_test', type: 'credits.low', data: { available: 9, threshold: 10 } },
      }),
    );

  it('delivers events that the standardwebhooks library verifies with the subscription secret', async () => {
    const { secret } = await createWebhook({ ctx: alerts, input: { url: receiver.url, events: ['credits.low'] } });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const event = await record();
    expect(await deliverDue({ ctx: alerts })).toMatchObject({ delivered: 1 });

    const [hook] = receiver.received;
    const headers = standardHeaders(hook);
    expect(headers['webhook-id']).toBe(event.id);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(hook?.body ?? '', headers)).toEqual(hook?.event);
    // The old header still comes, for receivers that have not moved yet.
    expect(verifyTallySignature(secret, String(hook?.headers['tally-signature']), hook?.body ?? '')).toBe(true);
  });

  it('fails verification for a tampered body, another secret, or a changed id', async () => {
    const { secret } = await createWebhook({ ctx: alerts, input: { url: receiver.url, events: ['credits.low'] } });
    await record();
    await deliverDue({ ctx: alerts });
    const [hook] = receiver.received;
    const body = hook?.body ?? '';
    const headers = standardHeaders(hook);
    const webhook = new Webhook(secret);
    expect(() => webhook.verify(body.replace('"available":9', '"available":90'), headers)).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers)).toThrow(
      WebhookVerificationError,
    );
    expect(() => webhook.verify(body, { ...headers, 'webhook-id': 'evt_other' })).toThrow(WebhookVerificationError);
  });

  it('fails verification for a delivery signed more than five minutes ago', async () => {
    const { secret } = await createWebhook({ ctx: alerts, input: { url: receiver.url, events: ['credits.low'] } });
    clock.set(new Date(Date.now() - 6 * MINUTE));
    await record();
    await deliverDue({ ctx: alerts });
    const [hook] = receiver.received;
    expect(() => new Webhook(secret).verify(hook?.body ?? '', standardHeaders(hook))).toThrow(
      'Message timestamp too old',
    );
  });

  it('keeps the same webhook-id on every retry of an event, with a fresh timestamp and signature', async () => {
    const { secret } = await createWebhook({ ctx: alerts, input: { url: receiver.url, events: ['credits.low'] } });
    const event = await record();
    receiver.mode = 'failing';
    await deliverDue({ ctx: alerts });
    receiver.mode = 'up';
    clock.advance(2 * MINUTE);
    expect(await deliverDue({ ctx: alerts })).toMatchObject({ delivered: 1 });
    const [hook] = receiver.received;
    expect(hook?.headers['webhook-id']).toBe(event.id);
    expect(hook?.headers['tally-delivery-attempt']).toBe('2');
    expect(hook?.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(new Webhook(secret).verify(hook?.body ?? '', standardHeaders(hook))).toEqual(hook?.event);
  });

  it('signs for a secret made before Standard Webhooks with the same key bytes, so it keeps working', async () => {
    const { subscription } = await createWebhook({
      ctx: alerts,
      input: { url: receiver.url, events: ['credits.low'] },
    });
    const legacy = legacySecret();
    await ctx.store.db
      .updateTable('webhook_subscriptions')
      .set({ secret: sealSigningSecret(secretKey, subscription.id, legacy) })
      .where('id', '=', subscription.id)
      .execute();
    await record();
    await deliverDue({ ctx: alerts });
    const [hook] = receiver.received;
    const body = hook?.body ?? '';
    // Its standard spelling: the same base64 in the standard alphabet.
    const standard = `whsec_${legacy.slice('whsec_'.length).replaceAll('-', '+').replaceAll('_', '/')}`;
    expect(new Webhook(standard).verify(body, standardHeaders(hook))).toEqual(hook?.event);
    expect(verifyTallySignature(legacy, String(hook?.headers['tally-signature']), body)).toBe(true);
  });
});

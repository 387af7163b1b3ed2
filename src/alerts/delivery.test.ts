import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HOUR, MINUTE, TestClock } from '../../test/support/clock.ts';
import { describeStores, openStoreAt } from '../../test/support/stores.ts';
import { startReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { Store } from '../store/store.ts';
import type { AlertsContext } from './context.ts';
import { type DeliveryOptions, deliverDue } from './delivery.ts';
import { type EventType, recordEvent } from './events.ts';
import { verifyTallySignature } from './signature.ts';
import { sealPlainSigningSecrets } from './signing-secrets.ts';
import { createWebhook, deleteWebhook, listWebhookDeliveries } from './subscriptions.ts';

describeStores('delivering webhooks', (ctx) => {
  const secretKey = randomBytes(32);
  let receiver: WebhookReceiver;
  let clock: TestClock;
  let alerts: AlertsContext;
  beforeEach(async () => {
    receiver = await startReceiver();
    clock = new TestClock();
    alerts = { store: ctx.store, clock: clock.now, secretKey };
  });
  afterEach(() => receiver.close());

  const subscribe = (events: EventType[] = ['credits.low', 'credits.depleted', 'purchase.completed']) =>
    createWebhook({ ctx: alerts, input: { url: receiver.url, events } });

  const record = (type: EventType, data: Record<string, unknown> = {}, workspaceId = 'ws_test', key?: string) =>
    ctx.store.transaction((_tx, db) =>
      recordEvent({ ctx: { db, now: clock.now() }, input: { workspaceId, type, data, key } }),
    );

  const deliveriesOf = (id: string) => listWebhookDeliveries({ ctx: alerts, input: { id, cursor: null, limit: 10 } });

  /** Rounds until nothing is due now. */
  async function drain(store: Store = ctx.store, options: DeliveryOptions = {}) {
    let claimed = 0;
    for (;;) {
      const round = await deliverDue({ ctx: { ...alerts, store }, input: options });
      expect(round.claimed).toBeLessThanOrEqual(options.batchSize ?? 20);
      if (round.claimed === 0) return claimed;
      claimed += round.claimed;
    }
  }

  it('POSTs each event once, as JSON signed with the subscription secret, only to subscribers of its type', async () => {
    const { subscription, secret } = await subscribe(['credits.low']);
    const low = await record('credits.low', { available: 9, threshold: 10 });
    await record('purchase.completed', { pack: 'pack-500' });

    expect(await deliverDue({ ctx: alerts })).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await deliverDue({ ctx: alerts })).toMatchObject({ claimed: 0 });
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook?.event).toEqual({
      id: low.id,
      type: 'credits.low',
      createdAt: clock.now().toISOString(),
      workspaceId: 'ws_test',
      data: { available: 9, threshold: 10 },
    });
    expect(hook?.headers['content-type']).toBe('application/json');
    expect(hook?.headers['tally-event-id']).toBe(low.id);
    expect(hook?.headers['tally-delivery-attempt']).toBe('1');

    const header = String(hook?.headers['tally-signature']);
    expect(verifyTallySignature(secret, header, hook?.body ?? '', 300, clock.now())).toBe(true);
    expect(verifyTallySignature(secret, header, (hook?.body ?? '').replace('9', '90'), 300, clock.now())).toBe(false);
    const other = await subscribe();
    expect(verifyTallySignature(other.secret, header, hook?.body ?? '', 300, clock.now())).toBe(false);

    const log = await deliveriesOf(subscription.id);
    expect(log.deliveries).toMatchObject([
      { eventId: low.id, eventType: 'credits.low', status: 'delivered', attempts: 1, log: [{ statusCode: 200 }] },
    ]);
  });

  const storedSecret = async (id: string) =>
    (
      await ctx.store.db
        .selectFrom('webhook_subscriptions')
        .select('secret')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).secret;

  it('stores the signing secret sealed, and sends nothing unsigned when it no longer opens', async () => {
    const { subscription, secret } = await subscribe(['credits.low']);
    const stored = await storedSecret(subscription.id);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
    expect((await subscribe(['credits.low'])).secret).not.toBe(secret);

    await record('credits.low');
    // TALLY_SECRET_KEY replaced: the secret cannot be opened, so the attempt fails without a POST.
    expect(await deliverDue({ ctx: { ...alerts, secretKey: randomBytes(32) } })).toMatchObject({
      claimed: 2,
      retrying: 2,
    });
    expect(receiver.requests).toBe(0);
    const { deliveries } = await deliveriesOf(subscription.id);
    expect(deliveries[0]?.log).toMatchObject([
      { statusCode: null, error: expect.stringContaining('does not open with this TALLY_SECRET_KEY') },
    ]);
  });

  it('answers a retried create with the same secret, or with a clear conflict once the key has changed', async () => {
    const input = { url: receiver.url, events: ['credits.low'], idempotencyKey: 'create-once' };
    const first = await createWebhook({ ctx: alerts, input });
    expect(await createWebhook({ ctx: alerts, input })).toMatchObject({ secret: first.secret, replayed: true });
    const rekeyed = { ...alerts, secretKey: randomBytes(32) };
    await expect(createWebhook({ ctx: rekeyed, input })).rejects.toMatchObject({
      code: 'conflict',
      details: { id: first.subscription.id },
    });
  });

  it('seals the secrets an earlier version stored in plain text once, and signs with them as before', async () => {
    const { subscription, secret } = await subscribe(['credits.low']);
    await ctx.store.db.updateTable('webhook_subscriptions').set({ secret }).where('id', '=', subscription.id).execute();

    expect(await sealPlainSigningSecrets({ ctx: alerts })).toBe(1);
    expect(await sealPlainSigningSecrets({ ctx: alerts })).toBe(0);
    expect(await storedSecret(subscription.id)).toMatch(/^v1\./);

    await record('credits.low');
    expect(await deliverDue({ ctx: alerts })).toMatchObject({ delivered: 1 });
    const [hook] = receiver.received;
    expect(
      verifyTallySignature(secret, String(hook?.headers['tally-signature']), hook?.body ?? '', 300, clock.now()),
    ).toBe(true);
  });

  it('loses nothing while the receiver is down for an hour, and logs every attempt', async () => {
    const { subscription, secret } = await subscribe();
    receiver.mode = 'down';
    const sent = [await record('credits.low'), await record('credits.depleted')];
    const start = clock.now().getTime();
    for (let minute = 0; minute <= 180; minute += 1) {
      if (minute === 10) sent.push(await record('purchase.completed', { pack: 'pack-500' }));
      if (minute === 60) receiver.mode = 'up';
      await deliverDue({ ctx: alerts });
      clock.advance(MINUTE);
    }

    expect(receiver.requests).toBeGreaterThan(sent.length * 5);
    expect(receiver.received.map((hook) => hook.event.id).sort()).toEqual(sent.map((event) => event.id).sort());
    for (const hook of receiver.received) {
      const sentAt = new Date(Number(/t=(\d+)/.exec(String(hook.headers['tally-signature']))?.[1]) * 1000);
      expect(sentAt.getTime()).toBeGreaterThanOrEqual(start + HOUR);
      expect(verifyTallySignature(secret, String(hook.headers['tally-signature']), hook.body, 300, sentAt)).toBe(true);
    }

    const { deliveries } = await deliveriesOf(subscription.id);
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    for (const delivery of deliveries) {
      expect(delivery.attempts).toBe(delivery.log.length);
      expect(delivery.log.length).toBeGreaterThan(4);
      const last = delivery.log.at(-1);
      expect(last?.statusCode).toBe(200);
      for (const failed of delivery.log.slice(0, -1)) {
        expect(failed).toMatchObject({ statusCode: null, error: expect.stringMatching(/^connection failed|socket/) });
      }
      const gaps = delivery.log.slice(1).map((entry, i) => entry.at.getTime() - (delivery.log[i]?.at.getTime() ?? 0));
      expect(gaps.at(-1)).toBeGreaterThan(gaps[0] ?? 0); // backing off, not hammering
    }
  });

  it('delivers each event once when two workers run at the same time', async () => {
    await subscribe();
    const sent = [];
    for (let i = 0; i < 40; i += 1) sent.push(await record('credits.low', { n: i }, `ws_${i % 4}`));
    // On PostgreSQL the second worker is another process's connection pool; SQLite is one process.
    const other = ctx.kind === 'postgres' ? await openStoreAt(ctx.location) : ctx.store;
    try {
      const [first, second] = await Promise.all([drain(ctx.store, { batchSize: 3 }), drain(other, { batchSize: 3 })]);
      expect(first + second).toBe(40);
      expect(first).toBeGreaterThan(0);
      expect(second).toBeGreaterThan(0);
    } finally {
      if (other !== ctx.store) await other.close();
    }
    const ids = receiver.received.map((hook) => hook.event.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids)).toEqual(new Set(sent.map((event) => event.id)));
  });

  it('retries a delivery whose worker died once its claim lapses', async () => {
    await subscribe();
    const event = await record('credits.low');
    // A worker claimed it and then vanished before recording anything.
    await ctx.store.db
      .updateTable('webhook_deliveries')
      .set({ lease_token: 'lease_dead', next_attempt_at: clock.now().getTime() + MINUTE })
      .execute();
    expect(await drain()).toBe(0);
    clock.advance(MINUTE);
    expect(await drain()).toBe(1);
    expect(receiver.received.map((hook) => hook.event.id)).toEqual([event.id]);
  });

  it('gives up after the last attempt and shows the answers in the log', async () => {
    const { subscription } = await subscribe();
    receiver.mode = 'failing';
    await record('credits.low');
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) {
      outcomes.push(await deliverDue({ ctx: alerts, input: { maxAttempts: 3 } }));
      clock.advance(3 * HOUR);
    }
    expect(outcomes.map((o) => [o.retrying, o.failed])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    const [delivery] = (await deliveriesOf(subscription.id)).deliveries;
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, nextAttemptAt: null });
    expect(delivery?.log.map((entry) => [entry.attempt, entry.statusCode, entry.error, entry.responseExcerpt])).toEqual(
      [
        [1, 500, 'HTTP 500', 'receiver is broken'],
        [2, 500, 'HTTP 500', 'receiver is broken'],
        [3, 500, 'HTTP 500', 'receiver is broken'],
      ],
    );
  });

  it('counts a receiver that does not answer in time as a failure, and retries it', async () => {
    const { subscription } = await subscribe();
    receiver.mode = 'hanging';
    await record('credits.depleted');
    expect(await deliverDue({ ctx: alerts, input: { timeoutMs: 200 } })).toMatchObject({ retrying: 1 });
    receiver.mode = 'up';
    clock.advance(2 * MINUTE);
    expect(await deliverDue({ ctx: alerts, input: { timeoutMs: 200 } })).toMatchObject({ delivered: 1 });
    const [delivery] = (await deliveriesOf(subscription.id)).deliveries;
    expect(delivery?.log.map((entry) => entry.error)).toEqual(['no answer within 200 ms', null]);
  });

  it('sends nothing more to a deleted subscription', async () => {
    const { subscription } = await subscribe();
    await record('credits.low');
    await deleteWebhook({ ctx: alerts, input: { id: subscription.id } });
    await record('credits.depleted');
    expect(await drain()).toBe(0);
    expect(receiver.requests).toBe(0);
    const statuses = await ctx.store.db.selectFrom('webhook_deliveries').select('status').execute();
    expect(statuses.map((row) => row.status)).toEqual(['cancelled']);
  });

  it('records an event with a key once, however often it is recorded', async () => {
    await subscribe();
    const first = await record('purchase.completed', { pack: 'pack-500' }, 'ws_a', 'purchase:cs_1');
    const again = await record('purchase.completed', { pack: 'pack-500' }, 'ws_a', 'purchase:cs_1');
    const elsewhere = await record('purchase.completed', { pack: 'pack-500' }, 'ws_b', 'purchase:cs_1');
    expect(first.recorded).toBe(true);
    expect(again).toEqual({ id: first.id, recorded: false });
    expect(elsewhere.recorded).toBe(true);
    expect(await drain()).toBe(2);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FaultyProxy, startFaultyProxy } from '../../../test/support/faulty-proxy.ts';
import { startServer, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { TallyClient } from './client.ts';
import { TallyApiError, TallyRequestError } from './errors.ts';
import { backoffMs, DEFAULT_RETRY } from './retry.ts';

const chat = { conversationId: 'chat-1', channel: 'chat', agentId: 'bot' } as const;
const fastRetry = { baseDelayMs: 1, maxDelayMs: 5 };

describeStores('the client against a real Tally', (ctx) => {
  let server: TestServer;
  let proxy: FaultyProxy;
  beforeEach(async () => {
    server = await startServer(ctx.store);
    proxy = await startFaultyProxy(server.url);
  });
  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  const clientFor = (key: string, options: Partial<ConstructorParameters<typeof TallyClient>[0]> = {}) =>
    new TallyClient({ baseUrl: proxy.url, apiKey: key, retry: fastRetry, ...options });

  it('charges a response once when its first answer is lost and the client retries', async () => {
    const ws = await server.workspace(10);
    proxy.faults.push({ kind: 'lose-answer' });
    const charge = await clientFor(ws.key).chargeResponse({ id: 'resp-1', ...chat });
    expect(charge).toEqual({ id: 'resp-1', cost: 1, balance: { available: 9 } });
    expect(proxy.requests).toHaveLength(2);
    expect((await clientFor(ws.key).balance()).available).toBe(9);
  });

  it('holds credits once when a reservation answer is lost: the retry carries the same Idempotency-Key', async () => {
    const ws = await server.workspace(10);
    proxy.faults.push({ kind: 'lose-answer' });
    const hold = await clientFor(ws.key).reserve({ count: 2 });
    expect(hold).toMatchObject({ amount: 2, status: 'held' });
    const [first, retry] = proxy.requests;
    expect(first?.idempotencyKey).toMatch(/^idem_/);
    expect(retry?.idempotencyKey).toBe(first?.idempotencyKey);
    expect(await clientFor(ws.key).balance()).toMatchObject({ available: 8, held: 2 });
  });

  it('retries a 503 and a 429 with Retry-After, then charges once', async () => {
    const ws = await server.workspace(10);
    proxy.faults.push(
      { kind: 'status', status: 503, retryAfter: '0', body: { error: { code: 'unavailable', message: 'restarting' } } },
      { kind: 'status', status: 429, retryAfter: '0', body: { error: { code: 'rate_limited', message: 'slow down' } } },
    );
    const client = clientFor(ws.key);
    const charge = await client.commit((await client.reserve()).id, { id: 'resp-2', ...chat });
    expect(charge.cost).toBe(1);
    expect(proxy.requests.map((r) => r.path)).toEqual([
      '/v1/reservations',
      '/v1/reservations',
      '/v1/reservations',
      expect.stringMatching(/^\/v1\/reservations\/.+\/commit$/),
    ]);
    expect((await client.balance()).available).toBe(9);
  });

  it('gives up after maxAttempts with the last answer as a typed error', async () => {
    const ws = await server.workspace(10);
    const unavailable = { error: { code: 'unavailable', message: 'restarting', requestId: 'req-9' } };
    proxy.faults.push(
      { kind: 'status', status: 503, retryAfter: '0', body: unavailable },
      { kind: 'status', status: 503, retryAfter: '0', body: unavailable },
    );
    const error = await clientFor(ws.key, { retry: { ...fastRetry, maxAttempts: 2 } })
      .chargeResponse({ id: 'resp-3', ...chat })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyApiError);
    expect(error).toMatchObject({ status: 503, code: 'unavailable', requestId: 'req-9' });
    expect(proxy.requests).toHaveLength(2);
  });

  it('refuses with insufficient_credits (402) and does not retry it', async () => {
    const ws = await server.workspace(0);
    const error = await clientFor(ws.key)
      .reserve()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyApiError);
    expect(error).toMatchObject({ status: 402, code: 'insufficient_credits', requestId: expect.any(String) });
    expect(proxy.requests).toHaveLength(1);
  });

  it('reports bad input as invalid_request (400) naming the field, and does not retry it', async () => {
    const ws = await server.workspace(10);
    const error = await clientFor(ws.key)
      .chargeResponse({ id: 'resp-4', ...chat, features: [''] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', details: expect.any(Object) });
    expect(proxy.requests).toHaveLength(1);
    expect((await clientFor(ws.key).balance()).available).toBe(10);
  });
});

describe('the client when Tally does not answer', () => {
  let proxy: FaultyProxy;
  beforeEach(async () => {
    proxy = await startFaultyProxy('http://127.0.0.1:9');
  });
  afterEach(() => proxy.close());

  it('fails an attempt that outlives its timeout with a timeout error', async () => {
    proxy.faults.push({ kind: 'hang' });
    const client = new TallyClient({ baseUrl: proxy.url, apiKey: 'k', timeoutMs: 100, retry: { maxAttempts: 1 } });
    const error = await client.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyRequestError);
    expect(error).toMatchObject({ code: 'timeout' });
  });

  it("stops at once when the caller's signal aborts", async () => {
    proxy.faults.push({ kind: 'hang' });
    const controller = new AbortController();
    const client = new TallyClient({ baseUrl: proxy.url, apiKey: 'k' });
    const pending = client.check({}, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await pending).toMatchObject({ name: 'TallyRequestError', code: 'aborted' });
  });

  it('reports a refused connection as a network error after its retries', async () => {
    const closed = proxy.url;
    await proxy.close();
    const client = new TallyClient({ baseUrl: closed, apiKey: 'k', retry: { ...fastRetry, maxAttempts: 2 } });
    const error = await client.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyRequestError);
    expect(error).toMatchObject({ code: 'network_error' });
    proxy = await startFaultyProxy('http://127.0.0.1:9');
  });
});

describe('backoff', () => {
  it('waits what Retry-After asks', () => {
    expect(backoffMs(1, DEFAULT_RETRY, '3')).toBe(3000);
  });

  it('jitters under a ceiling that doubles per attempt up to the cap', () => {
    const options = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(1, options, null, () => 0.999)).toBe(99);
    expect(backoffMs(3, options, null, () => 0.999)).toBe(399);
    expect(backoffMs(8, options, null, () => 0.999)).toBe(999);
    expect(backoffMs(8, options, null, () => 0)).toBe(0);
  });
});

import { afterEach, expect, it } from 'vitest';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../test/support/http.ts';
import { describeStores } from '../../test/support/stores.ts';

describeStores('the service around the API', (ctx) => {
  let server: TestServer | undefined;
  afterEach(() => server?.close());

  it('publishes an OpenAPI 3.1 document describing every route, and a reference page', async () => {
    server = await startServer(ctx.store);
    const doc = await server.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/responses',
      '/v1/responses/batch',
      '/v1/check',
      '/v1/reservations',
      '/v1/balance',
      '/v1/workspaces',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.paths['/v1/responses'].post.requestBody.content['application/json'].schema.required).toContain(
      'conversationId',
    );
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
  });

  it('reports health, readiness and Prometheus metrics counting charges and 402s', async () => {
    server = await startServer(ctx.store);
    expect((await server.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await server.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
    const ws = await server.workspace(1);
    const chat = (id: string) => ({ id, conversationId: 'c', channel: 'chat', agentId: 'a' });
    await server.call('POST', '/v1/responses', { key: ws.key, body: chat('1') });
    await server.call('POST', '/v1/responses', { key: ws.key, body: chat('2') });
    const metrics = (await server.call('GET', '/metrics')).body as string;
    expect(metrics).toContain('tally_charges_total{outcome="charged"} 1');
    expect(metrics).toContain('tally_insufficient_credits_total 1');
    expect(metrics).toContain('tally_credits_charged_total 1');
    expect(metrics).toMatch(/tally_http_request_duration_seconds_bucket\{.*route="\/v1\/responses"/);
  });

  it('limits requests per key with 429 and Retry-After', async () => {
    server = await startServer(ctx.store, { config: { rateLimitPerMinute: 3 } });
    const ws = await server.workspace();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestServer['call']>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await server.call('GET', '/v1/balance', { key: ws.key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.body.error.code).toBe('rate_limited');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a body over the limit with 413 and unknown routes with 404 in the error shape', async () => {
    server = await startServer(ctx.store, { config: { bodyLimitBytes: 2048 } });
    const ws = await server.workspace();
    const big = await server.call('POST', '/v1/check', { key: ws.key, body: { features: ['x'.repeat(4000)] } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const missing = await server.call('GET', '/v1/nothing-here', { key: ws.key });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found' });
    expect(missing.body.error.requestId).toBeTruthy();
  });

  it('answers a path that is not valid percent-encoding, or too long for any id, with 400 in the error shape', async () => {
    server = await startServer(ctx.store);
    const ws = await server.workspace();
    for (const path of ['/v1/agents/%ZZ', '/v1/agents/%', '/v1/agents/%C0%AF', `/v1/agents/${'x'.repeat(3000)}`]) {
      const res = await server.call('DELETE', path, { key: ws.key });
      expect(res.status, path).toBe(400);
      expect(Object.keys(res.body), path).toEqual(['error']);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { in: 'path' } });
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    }
  });

  it('refuses a NUL character in a body, query or path with 400 on both stores, and stores nothing', async () => {
    server = await startServer(ctx.store);
    const ws = await server.workspace(5);
    const sent = [
      await server.call('POST', '/v1/agents', { key: ws.key, body: { name: 'a\u0000b' } }),
      await server.call('POST', '/v1/responses', {
        key: ws.key,
        body: { id: 'r1', conversationId: 'c', channel: 'chat', agentId: 'a', features: ['voice:\u0000'] },
      }),
      await server.call('GET', '/v1/usage/summary?from=%00', { key: ws.key }),
      await server.call('DELETE', '/v1/agents/a%00b', { key: ws.key }),
      await server.call('GET', `/v1/workspaces/${ws.id}%00`, { key: TEST_ADMIN_KEY }),
    ];
    expect(sent.map((res) => res.status)).toEqual([400, 400, 400, 400, 400]);
    expect(sent.map((res) => res.body.error.details)).toEqual([
      { in: 'body', field: 'name' },
      { in: 'body', field: 'features.0' },
      { in: 'querystring', field: 'from' },
      { in: 'params', field: 'id' },
      { in: 'params', field: 'id' },
    ]);
    expect((await server.call('GET', '/v1/agents', { key: ws.key })).body.agents).toEqual([]);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(5);
  });

  it('refuses a lone UTF-16 surrogate in text with 400 on both stores, and grants nothing', async () => {
    server = await startServer(ctx.store);
    const ws = await server.workspace(5);
    // As a client's JSON would carry it: the escape of half a surrogate pair.
    const grant = await server.call('POST', `/v1/workspaces/${ws.id}/grants`, {
      key: TEST_ADMIN_KEY,
      body: '{"id":"g-odd","amount":1,"source":"promotion","reason":"trial \\ud800"}',
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error.code).toBe('invalid_request');
    expect(grant.body.error.details).toEqual({ in: 'body', field: 'reason' });
    expect(grant.body.error.message).toMatch(/lone UTF-16 surrogate/);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(5);
  });

  it('refuses a JSON body that gives a field twice with 400 naming it, and charges nothing', async () => {
    server = await startServer(ctx.store);
    const ws = await server.workspace(5);
    const twice = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: '{"id":"r1","conversationId":"c","channel":"chat","agentId":"a","features":[],"features":["voice:premium"]}',
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'features' } });
    expect(twice.body.error.message).toContain('"features" twice');
    const batch = await server.call('POST', '/v1/responses/batch', {
      key: ws.key,
      body: '{"responses":[{"id":"r2","conversationId":"c","channel":"chat","agentId":"a","id":"r3"}]}',
    });
    expect(batch.status).toBe(400);
    expect(batch.body.error.details).toEqual({ field: 'responses.0.id' });
    const poisoned = await server.call('POST', '/v1/agents', { key: ws.key, body: '{"name":"a","__proto__":{"x":1}}' });
    expect(poisoned.status).toBe(400);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(5);
    expect((await server.call('GET', '/v1/agents', { key: ws.key })).body.agents).toEqual([]);
  });

  it('routes the longest id the API accepts, even with every character percent-encoded', async () => {
    server = await startServer(ctx.store);
    const ws = await server.workspace(5);
    const id = 'r:'.repeat(64);
    const charged = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: { id, conversationId: 'c', channel: 'chat', agentId: 'a' },
    });
    expect(charged.status).toBe(201);
    const refund = await server.call('POST', `/v1/responses/${encodeURIComponent(id)}/refund`, {
      key: ws.key,
      body: { reason: 'a long id' },
    });
    expect(refund.status).toBe(200);
  });
});

import { expect, it } from 'vitest';
import { serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('POST /v1/responses', (ctx) => {
  const { server } = serveEachTest(ctx);

  const chat = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    conversationId: 'c1',
    channel: 'chat',
    agentId: 'a1',
    ...extra,
  });

  it('charges a response and returns the cost and what is left', async () => {
    const ws = await server.workspace(10);
    const res = await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1') });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'r1', cost: 1, balance: { available: 9 } });
  });

  it('answers a retry with the first status and body and charges once', async () => {
    const ws = await server.workspace(10);
    const first = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: chat('r1', { features: ['voice:elevenlabs'] }),
    });
    await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r2') });
    const retry = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: chat('r1', { features: ['voice:elevenlabs'] }),
    });
    expect(retry.status).toBe(first.status);
    expect(retry.body).toEqual(first.body);
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body.available).toBe(7.5);
  });

  it('charges once when the same id arrives many times at once', async () => {
    const ws = await server.workspace(10);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => server.call('POST', '/v1/responses', { key: ws.key, body: chat('same') })),
    );
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([201]));
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(9);
  });

  it('refuses a reused id with a different body with 409 idempotency_conflict', async () => {
    const ws = await server.workspace(10);
    await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1') });
    const res = await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1', { agentId: 'other' }) });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_conflict');
  });

  it('answers 402 insufficient_credits when the credits are gone, and records nothing', async () => {
    const ws = await server.workspace(1);
    expect((await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1') })).status).toBe(201);
    const res = await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r2') });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'insufficient_credits', details: { cost: 1, available: 0 } });
    const summary = await server.call('GET', '/v1/ledger', { key: ws.key });
    expect(summary.body.lines.filter((l: { kind: string }) => l.kind === 'charge')).toHaveLength(1);
  });

  it('refuses unknown fields, wrong types and missing fields with a message naming the field', async () => {
    const ws = await server.workspace(10);
    const unknown = await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1', { colour: 'red' }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'colour' } });
    const wrongType = await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1', { channel: 'fax' }) });
    expect(wrongType.status).toBe(400);
    const missing = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: { id: 'r1', channel: 'chat', agentId: 'a' },
    });
    expect(missing.body.error.details.field).toBe('conversationId');
    const badJson = await server.call('POST', '/v1/responses', { key: ws.key, body: '{"id": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_request');
    const notJson = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: 'id=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(notJson.status).toBe(415);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(10);
  });

  it('needs a key with the ingest scope', async () => {
    const ws = await server.workspace(10);
    expect((await server.call('POST', '/v1/responses', { body: chat('r1') })).status).toBe(401);
    expect((await server.call('POST', '/v1/responses', { key: 'tally_nope_nope', body: chat('r1') })).status).toBe(401);
    const readOnly = await server.key(ws.id, ['read']);
    const res = await server.call('POST', '/v1/responses', { key: readOnly, body: chat('r1') });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('charges a batch item by item, each idempotent by its own id', async () => {
    const ws = await server.workspace(3);
    const res = await server.call('POST', '/v1/responses/batch', {
      key: ws.key,
      body: { responses: [chat('b1'), chat('b2', { channel: 'fax' }), chat('b1'), chat('b3'), chat('b4'), chat('b5')] },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400, 200, 201, 201, 402]);
    expect(res.body.balance.available).toBe(0);
    const again = await server.call('POST', '/v1/responses/batch', {
      key: ws.key,
      body: { responses: [chat('b1'), chat('b3')] },
    });
    expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200]);
  });
});

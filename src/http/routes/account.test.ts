import { expect, it } from 'vitest';
import { serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('balance, statement, checks and reservations over HTTP', (ctx) => {
  const { server } = serveEachTest(ctx);
  const chat = (id: string) => ({ id, conversationId: 'c1', channel: 'chat', agentId: 'a1' });

  it('shows the balance with the period, per-grant figures and the low flag with an upgrade link', async () => {
    const ws = await server.workspace(10);
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']) {
      await server.call('POST', '/v1/responses', { key: ws.key, body: chat(id) });
    }
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ available: 2, held: 0, period: { granted: 10, used: 8 }, low: true });
    expect(balance.body.upgrade.url).toBe('/upgrade');
    expect(balance.body.grants).toEqual([expect.objectContaining({ id: 'initial', amount: 10, remaining: 2 })]);
  });

  it('pages through the statement with the balance after each line', async () => {
    const ws = await server.workspace(3);
    for (const id of ['r1', 'r2']) await server.call('POST', '/v1/responses', { key: ws.key, body: chat(id) });
    const first = await server.call('GET', '/v1/ledger?limit=2', { key: ws.key });
    expect(first.body.lines.map((l: { kind: string; balanceAfter: number }) => [l.kind, l.balanceAfter])).toEqual([
      ['grant', 3],
      ['charge', 2],
    ]);
    const second = await server.call('GET', `/v1/ledger?limit=2&cursor=${first.body.nextCursor}`, { key: ws.key });
    expect(second.body.lines.map((l: { balanceAfter: number }) => l.balanceAfter)).toEqual([1]);
    expect(second.body.nextCursor).toBeNull();
    expect((await server.call('GET', '/v1/ledger?cursor=abc', { key: ws.key })).status).toBe(400);
  });

  it('checks without side effects', async () => {
    const ws = await server.workspace(2);
    const check = await server.call('POST', '/v1/check', {
      key: ws.key,
      body: { features: ['voice:elevenlabs'], count: 2 },
    });
    expect(check.body).toEqual({ allowed: false, reason: 'insufficient_credits', cost: 3, available: 2 });
    expect((await server.call('POST', '/v1/check', { key: ws.key, body: {} })).body).toEqual({
      allowed: true,
      cost: 1,
      available: 2,
    });
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(2);
  });

  it('holds reserved credits from other responses until commit or release', async () => {
    const ws = await server.workspace(2);
    const hold = await server.call('POST', '/v1/reservations', {
      key: ws.key,
      body: { ttlSeconds: 60 },
      headers: { 'idempotency-key': 'hold-1' },
    });
    expect(hold.status).toBe(201);
    const replay = await server.call('POST', '/v1/reservations', {
      key: ws.key,
      body: { ttlSeconds: 60 },
      headers: { 'idempotency-key': 'hold-1' },
    });
    expect(replay.body.id).toBe(hold.body.id);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body).toMatchObject({ available: 1, held: 1 });
    await server.call('POST', '/v1/responses', { key: ws.key, body: chat('free') });
    const blocked = await server.call('POST', '/v1/responses', { key: ws.key, body: chat('other') });
    expect(blocked.status).toBe(402);
    const commit = await server.call('POST', `/v1/reservations/${hold.body.id}/commit`, {
      key: ws.key,
      body: chat('held'),
    });
    expect(commit.status).toBe(201);
    expect(commit.body.balance.available).toBe(0);
    const release = await server.call('POST', `/v1/reservations/${hold.body.id}/release`, { key: ws.key });
    expect(release.status).toBe(409);
  });

  it('refunds a response once, with the admin scope only', async () => {
    const ws = await server.workspace(2);
    await server.call('POST', '/v1/responses', { key: ws.key, body: chat('r1') });
    const ingestOnly = await server.key(ws.id, ['ingest']);
    expect(
      (
        await server.call('POST', '/v1/responses/r1/refund', {
          key: ingestOnly,
          body: { reason: 'bad answer' },
        })
      ).status,
    ).toBe(403);
    const refund = await server.call('POST', '/v1/responses/r1/refund', {
      key: ws.key,
      body: { reason: 'bad answer' },
    });
    expect(refund.body).toEqual({ id: 'r1', refunded: 1, balance: { available: 2 } });
    const again = await server.call('POST', '/v1/responses/r1/refund', { key: ws.key, body: { reason: 'bad answer' } });
    expect(again.body.balance.available).toBe(2);
  });

  it("answers 404 for another workspace's responses and reservations", async () => {
    const a = await server.workspace(5);
    const b = await server.workspace(5);
    await server.call('POST', '/v1/responses', { key: b.key, body: chat('b-response') });
    const hold = await server.call('POST', '/v1/reservations', { key: b.key, body: {} });
    expect(
      (await server.call('POST', '/v1/responses/b-response/refund', { key: a.key, body: { reason: 'x' } })).status,
    ).toBe(404);
    expect((await server.call('POST', `/v1/reservations/${hold.body.id}/release`, { key: a.key })).status).toBe(404);
    expect(
      (await server.call('POST', `/v1/reservations/${hold.body.id}/commit`, { key: a.key, body: chat('x') })).status,
    ).toBe(404);
    expect((await server.call('GET', '/v1/balance', { key: b.key })).body.available).toBe(3);
  });

  it('counts a conversation once: 201 the first time, 200 after', async () => {
    const ws = await server.workspace(1);
    const body = { id: 'call-1', channel: 'call', agentId: 'a1' };
    expect((await server.call('POST', '/v1/conversations', { key: ws.key, body })).status).toBe(201);
    expect((await server.call('POST', '/v1/conversations', { key: ws.key, body })).status).toBe(200);
    const otherChannel = await server.call('POST', '/v1/conversations', {
      key: ws.key,
      body: { ...body, channel: 'chat' },
    });
    expect(otherChannel.status).toBe(409);
    expect(otherChannel.body.error.code).toBe('conversation_mismatch');
    const otherAgent = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: { id: 'r1', conversationId: 'call-1', channel: 'call', agentId: 'a2' },
    });
    expect(otherAgent.status).toBe(409);
    expect(otherAgent.body.error.code).toBe('conversation_mismatch');
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(1);
  });
});

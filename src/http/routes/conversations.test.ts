import { expect, it } from 'vitest';
import { chargeOverHttp, serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('conversations', (ctx) => {
  const { server } = serveEachTest(ctx, { startsAt: '2026-11-25T15:00:00Z' });

  const respond = (
    key: string,
    id: string,
    conversationId: string,
    occurredAt: string,
    { channel = 'chat', agentId = 'a1' }: { channel?: 'call' | 'chat'; agentId?: string } = {},
  ) => chargeOverHttp(server, key, { id, conversationId, channel, agentId, occurredAt });

  async function seeded() {
    const ws = await server.workspace(1000);
    await respond(ws.key, 'r1', 'call-1', '2026-11-10T09:00:00Z', { channel: 'call' });
    await respond(ws.key, 'r2', 'call-1', '2026-11-10T09:01:00Z', { channel: 'call' });
    await respond(ws.key, 'r3', 'chat-1', '2026-11-10T12:00:00Z', { agentId: 'a2' });
    await respond(ws.key, 'r4', 'chat-2', '2026-11-17T12:00:00Z');
    await respond(ws.key, 'r5', 'chat-2', '2026-11-25T08:00:00Z');
    return ws;
  }

  it('lists conversations newest first with their responses and credits, refunds left out', async () => {
    const ws = await seeded();
    const refund = await server.call('POST', '/v1/responses/r2/refund', { key: ws.key, body: { reason: 'test' } });
    expect(refund.status).toBe(200);
    const list = await server.call('GET', '/v1/conversations', { key: ws.key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      from: '2026-10-27',
      to: '2026-11-25',
      items: [
        {
          id: 'chat-2',
          channel: 'chat',
          agentId: 'a1',
          startedAt: '2026-11-17T12:00:00.000Z',
          responses: 2,
          creditsUsed: 2,
        },
        {
          id: 'chat-1',
          channel: 'chat',
          agentId: 'a2',
          startedAt: '2026-11-10T12:00:00.000Z',
          responses: 1,
          creditsUsed: 1,
        },
        {
          id: 'call-1',
          channel: 'call',
          agentId: 'a1',
          startedAt: '2026-11-10T09:00:00.000Z',
          responses: 2,
          creditsUsed: 1.5,
        },
      ],
      nextCursor: null,
    });
  });

  it('filters by days, agent and channel', async () => {
    const ws = await seeded();
    const ids = async (query: string) =>
      (await server.call('GET', `/v1/conversations?${query}`, { key: ws.key })).body.items.map(
        (c: { id: string }) => c.id,
      );
    expect(await ids('from=2026-11-10&to=2026-11-10')).toEqual(['chat-1', 'call-1']);
    expect(await ids('from=2026-11-11&to=2026-11-17')).toEqual(['chat-2']);
    expect(await ids('agentId=a1')).toEqual(['chat-2', 'call-1']);
    expect(await ids('channel=call')).toEqual(['call-1']);
    expect(await ids('agentId=a1&channel=chat')).toEqual(['chat-2']);
  });

  it('pages with a cursor until every conversation was shown once', async () => {
    const ws = await server.workspace(1000);
    for (let i = 0; i < 7; i++) {
      // Two conversations start at the same instant: the id breaks the tie, so none is skipped or repeated.
      await respond(ws.key, `r${i}`, `c${i}`, `2026-11-2${Math.floor(i / 2)}T10:00:00Z`);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=3&cursor=${encodeURIComponent(cursor)}` : 'limit=3';
      const page = await server.call('GET', `/v1/conversations?${query}`, { key: ws.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c: { id: string }) => c.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
  });

  it('refuses a tampered cursor, or one used with other filters, naming the field', async () => {
    const ws = await seeded();
    const first = await server.call('GET', '/v1/conversations?limit=1', { key: ws.key });
    const cursor: string = first.body.nextCursor;
    const [payload, mac] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify([0, 'zzz'])).toString('base64url')}.${mac}`;
    for (const query of [
      `limit=1&cursor=${encodeURIComponent(forged)}`,
      `limit=1&cursor=${encodeURIComponent(`${payload}.AAAA`)}`,
      'limit=1&cursor=not-a-cursor',
      `limit=1&channel=chat&cursor=${encodeURIComponent(cursor)}`,
    ]) {
      const res = await server.call('GET', `/v1/conversations?${query}`, { key: ws.key });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'cursor' } });
    }
  });

  it('refuses bad filters with a 400 naming the field', async () => {
    const ws = await seeded();
    for (const [query, field] of [
      ['channel=sms', 'channel'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['from=yesterday', 'from'],
      ['from=2026-11-20&to=2026-11-10', 'from'],
      ['agentId=%20bad', 'agentId'],
    ]) {
      const res = await server.call('GET', `/v1/conversations?${query}`, { key: ws.key });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
  });

  it('opens a conversation with each response, its cost and whether it was refunded', async () => {
    const ws = await seeded();
    await server.call('POST', '/v1/responses/r2/refund', { key: ws.key, body: { reason: 'test' } });
    const res = await server.call('GET', '/v1/conversations/call-1', { key: ws.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 'call-1',
      channel: 'call',
      agentId: 'a1',
      startedAt: '2026-11-10T09:00:00.000Z',
      responseCount: 2,
      creditsUsed: 1.5,
      responses: [
        {
          id: 'r1',
          occurredAt: '2026-11-10T09:00:00.000Z',
          features: ['voice:elevenlabs'],
          cost: 1.5,
          refunded: false,
        },
        { id: 'r2', occurredAt: '2026-11-10T09:01:00.000Z', features: ['voice:elevenlabs'], cost: 1.5, refunded: true },
      ],
      nextCursor: null,
    });
    const paged = await server.call('GET', '/v1/conversations/call-1?limit=1', { key: ws.key });
    expect(paged.body.responses.map((r: { id: string }) => r.id)).toEqual(['r1']);
    const rest = await server.call(
      'GET',
      `/v1/conversations/call-1?limit=1&cursor=${encodeURIComponent(paged.body.nextCursor)}`,
      { key: ws.key },
    );
    expect(rest.body.responses.map((r: { id: string }) => r.id)).toEqual(['r2']);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("answers 404 for another workspace's conversation", async () => {
    await seeded();
    const other = await server.workspace(10);
    const res = await server.call('GET', '/v1/conversations/call-1', { key: other.key });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const list = await server.call('GET', '/v1/conversations', { key: other.key });
    expect(list.body.items).toEqual([]);
  });
});

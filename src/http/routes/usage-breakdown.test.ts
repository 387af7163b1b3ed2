import { expect, it } from 'vitest';
import { serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

const VOICE = 'voice:elevenlabs';
type Figures = { creditsUsed: number; calls: number; chats: number; responses: number };

describeStores("usage in the workspace's time zone, and broken down", (ctx) => {
  const { server } = serveEachTest(ctx, { startsAt: '2026-11-25T15:00:00Z' });

  async function record(key: string, id: string, fields: Record<string, unknown>) {
    const res = await server.call('POST', '/v1/responses', { key, body: { id, ...fields } });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }

  /** Around New York's DST change (2026-11-01 02:00 EDT becomes 01:00 EST: a 25-hour day). */
  async function seeded() {
    const ws = await server.workspace(1000);
    /** A call is voiced (1.5 credits here), a chat is not (1 credit). */
    const response = (channel: 'call' | 'chat', conversationId: string, agentId: string, occurredAt: string) => ({
      channel,
      conversationId,
      agentId,
      occurredAt,
      ...(channel === 'call' ? { features: [VOICE] } : {}),
    });
    // 23:30 on 31 October in New York, 1 November in UTC.
    await record(ws.key, 'r1', response('call', 'call-1', 'ag-a', '2026-11-01T03:30:00Z'));
    // 01:30 EDT and 01:30 EST: the same local time twice on the DST day.
    await record(ws.key, 'r2', response('chat', 'chat-1', 'ag-b', '2026-11-01T05:30:00Z'));
    await record(ws.key, 'r3', response('chat', 'chat-1', 'ag-b', '2026-11-01T06:30:00Z'));
    // 23:30 on 1 November in New York, 2 November in UTC: the 25th hour of the DST day.
    await record(ws.key, 'r4', response('chat', 'chat-2', 'ag-a', '2026-11-02T04:30:00Z'));
    // Midnight on 2 November in New York.
    await record(ws.key, 'r5', response('call', 'call-2', 'ag-a', '2026-11-02T05:00:00Z'));
    return ws;
  }

  const setZone = (key: string, timeZone: string) => server.call('PUT', '/v1/settings', { key, body: { timeZone } });
  const get = async (key: string, path: string) => {
    const res = await server.call('GET', path, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const figures = (creditsUsed: number, calls: number, chats: number, responses: number): Figures => ({
    creditsUsed,
    calls,
    chats,
    responses,
  });

  it('counts tonight in New York as today, and the 25-hour DST day whole', async () => {
    const ws = await seeded();
    const range = 'from=2026-10-31&to=2026-11-02';
    const utc = await get(ws.key, `/v1/usage/history?${range}`);
    expect(utc.points).toEqual([
      { start: '2026-10-31', ...figures(0, 0, 0, 0) },
      { start: '2026-11-01', ...figures(3.5, 1, 1, 3) },
      { start: '2026-11-02', ...figures(2.5, 1, 1, 2) },
    ]);

    expect((await setZone(ws.key, 'America/New_York')).status).toBe(200);
    const local = await get(ws.key, `/v1/usage/history?${range}`);
    expect(local.points).toEqual([
      { start: '2026-10-31', ...figures(1.5, 1, 0, 1) },
      { start: '2026-11-01', ...figures(3, 0, 2, 3) },
      { start: '2026-11-02', ...figures(1.5, 1, 0, 1) },
    ]);
    expect(await get(ws.key, '/v1/usage/summary?from=2026-11-01&to=2026-11-01')).toEqual({
      from: '2026-11-01',
      to: '2026-11-01',
      ...figures(3, 0, 2, 3),
    });
    // An RFC 3339 time counts for its day in the workspace's zone.
    const byTime = await get(ws.key, '/v1/usage/summary?from=2026-11-02T04:30:00Z&to=2026-11-02T04:30:00Z');
    expect(byTime).toMatchObject({ from: '2026-11-01', to: '2026-11-01', creditsUsed: 3 });

    const csv = await server.call('GET', `/v1/usage/export.csv?${range}`, { key: ws.key });
    expect(csv.body).toBe(
      'day,channel,credits_used,responses,conversations\r\n' +
        '2026-10-31,call,1.5,1,1\r\n' +
        '2026-11-01,chat,3,3,2\r\n' +
        '2026-11-02,call,1.5,1,1\r\n',
    );
  });

  it('splits usage by agent, channel and feature set into rows that add up to the summary', async () => {
    const ws = await seeded();
    await setZone(ws.key, 'America/New_York');
    for (const range of [
      'from=2026-10-31&to=2026-11-02',
      'from=2026-11-01&to=2026-11-01',
      'from=2026-11-20&to=2026-11-25',
    ]) {
      const summary = await get(ws.key, `/v1/usage/summary?${range}`);
      for (const by of ['agent', 'channel', 'feature']) {
        const breakdown = await get(ws.key, `/v1/usage/breakdown?by=${by}&${range}`);
        expect(breakdown).toMatchObject({ from: summary.from, to: summary.to, by });
        const total = breakdown.rows.reduce(
          (sum: Figures, row: Figures) =>
            figures(
              sum.creditsUsed + row.creditsUsed,
              sum.calls + row.calls,
              sum.chats + row.chats,
              sum.responses + row.responses,
            ),
          figures(0, 0, 0, 0),
        );
        expect(total, `${by} ${range}`).toEqual({
          creditsUsed: summary.creditsUsed,
          calls: summary.calls,
          chats: summary.chats,
          responses: summary.responses,
        });
      }
    }

    const range = 'from=2026-10-31&to=2026-11-02';
    expect((await get(ws.key, `/v1/usage/breakdown?by=agent&${range}`)).rows).toEqual([
      { key: 'ag-a', ...figures(4, 2, 1, 3) },
      { key: 'ag-b', ...figures(2, 0, 1, 2) },
    ]);
    expect((await get(ws.key, `/v1/usage/breakdown?by=channel&${range}`)).rows).toEqual([
      { key: 'call', ...figures(3, 2, 0, 2) },
      { key: 'chat', ...figures(3, 0, 2, 3) },
    ]);
    expect((await get(ws.key, `/v1/usage/breakdown?by=feature&${range}`)).rows).toEqual([
      { key: 'none', ...figures(3, 0, 2, 3) },
      { key: VOICE, ...figures(3, 2, 0, 2) },
    ]);
    expect((await get(ws.key, '/v1/usage/breakdown?by=agent&from=2026-11-01&to=2026-11-01')).rows).toEqual([
      { key: 'ag-b', ...figures(2, 0, 1, 2) },
      { key: 'ag-a', ...figures(1, 0, 1, 1) },
    ]);
  });

  it('takes a refund off the agent that was charged, and a call recorded on its own counts under no feature', async () => {
    const ws = await seeded();
    await setZone(ws.key, 'America/New_York');
    const refund = await server.call('POST', '/v1/responses/r4/refund', { key: ws.key, body: { reason: 'test' } });
    expect(refund.status).toBe(200);
    const call = await server.call('POST', '/v1/conversations', {
      key: ws.key,
      body: { id: 'call-3', channel: 'call', agentId: 'ag-c', startedAt: '2026-11-01T12:00:00Z' },
    });
    expect([200, 201]).toContain(call.status);
    const range = 'from=2026-11-01&to=2026-11-01';
    expect(await get(ws.key, `/v1/usage/summary?${range}`)).toMatchObject(figures(2, 1, 2, 3));
    expect((await get(ws.key, `/v1/usage/breakdown?by=agent&${range}`)).rows).toEqual([
      { key: 'ag-b', ...figures(2, 0, 1, 2) },
      { key: 'ag-a', ...figures(0, 0, 1, 1) },
      { key: 'ag-c', ...figures(0, 1, 0, 0) },
    ]);
    expect((await get(ws.key, `/v1/usage/breakdown?by=feature&${range}`)).rows).toEqual([
      { key: 'none', ...figures(2, 1, 2, 3) },
    ]);
  });

  it("gives one agent's history, for the dashboard to open from the breakdown", async () => {
    const ws = await seeded();
    await setZone(ws.key, 'America/New_York');
    const history = await get(ws.key, '/v1/usage/history?from=2026-10-31&to=2026-11-02&agentId=ag-a');
    expect(history.points).toEqual([
      { start: '2026-10-31', ...figures(1.5, 1, 0, 1) },
      { start: '2026-11-01', ...figures(1, 0, 1, 1) },
      { start: '2026-11-02', ...figures(1.5, 1, 0, 1) },
    ]);
  });

  it('refuses a breakdown by anything but agent, channel or feature with a 400 naming the field', async () => {
    const ws = await seeded();
    for (const query of ['by=model', 'by=', '']) {
      const res = await server.call('GET', `/v1/usage/breakdown?${query}`, { key: ws.key });
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'by' } });
    }
    const backwards = await server.call('GET', '/v1/usage/breakdown?by=agent&from=2026-11-02&to=2026-11-01', {
      key: ws.key,
    });
    expect(backwards.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'from' } });
  });

  it('turns the day over at 18:15 UTC in Kathmandu (+05:45)', async () => {
    const ws = await server.workspace(100);
    await setZone(ws.key, 'Asia/Kathmandu');
    const chat = { channel: 'chat', conversationId: 'c', agentId: 'a' };
    await record(ws.key, 'before', { ...chat, occurredAt: '2026-11-20T18:14:59Z' });
    await record(ws.key, 'after', { ...chat, occurredAt: '2026-11-20T18:15:00Z' });
    const history = await get(ws.key, '/v1/usage/history?from=2026-11-20&to=2026-11-21');
    expect(history.points.map((point: Figures & { start: string }) => [point.start, point.responses])).toEqual([
      ['2026-11-20', 1],
      ['2026-11-21', 1],
    ]);
  });
});

import { expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.ts';
import { chargeOverHttp, serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('usage reads', (ctx) => {
  const { server, clock } = serveEachTest(ctx, { startsAt: '2026-11-25T15:00:00Z' });

  const record = (key: string, id: string, channel: 'call' | 'chat', conversationId: string, occurredAt: string) =>
    chargeOverHttp(server, key, { id, conversationId, channel, agentId: 'a1', occurredAt });

  async function seeded() {
    const ws = await server.workspace(1000);
    await record(ws.key, 'r1', 'call', 'call-1', '2026-11-10T09:00:00Z');
    await record(ws.key, 'r2', 'call', 'call-1', '2026-11-10T09:01:00Z');
    await record(ws.key, 'r3', 'chat', 'chat-1', '2026-11-10T12:00:00Z');
    await record(ws.key, 'r4', 'chat', 'chat-2', '2026-11-17T12:00:00Z');
    await record(ws.key, 'r5', 'chat', 'chat-2', '2026-11-25T08:00:00Z');
    return ws;
  }

  it('sums credits, calls and chats over a range of whole days, both ends included', async () => {
    const ws = await seeded();
    const summary = await server.call('GET', '/v1/usage/summary?from=2026-11-10&to=2026-11-17', { key: ws.key });
    expect(summary.body).toEqual({
      from: '2026-11-10',
      to: '2026-11-17',
      creditsUsed: 5,
      calls: 1,
      chats: 2,
      responses: 4,
    });
    const oneDay = await server.call('GET', '/v1/usage/summary?from=2026-11-10T00:00:00Z&to=2026-11-10T23:00:00Z', {
      key: ws.key,
    });
    expect(oneDay.body).toMatchObject({ creditsUsed: 4, calls: 1, chats: 1 });
  });

  it('defaults the summary to the current period up to today', async () => {
    const ws = await seeded();
    const summary = await server.call('GET', '/v1/usage/summary', { key: ws.key });
    expect(summary.body).toMatchObject({ from: '2026-11-25', to: '2026-11-25', creditsUsed: 1, responses: 1 });
  });

  it('gives a point for every day, zeros included, and buckets weeks from Monday', async () => {
    const ws = await seeded();
    const days = await server.call('GET', '/v1/usage/history?from=2026-11-09&to=2026-11-11', { key: ws.key });
    expect(days.body.points).toEqual([
      { start: '2026-11-09', creditsUsed: 0, calls: 0, chats: 0, responses: 0 },
      { start: '2026-11-10', creditsUsed: 4, calls: 1, chats: 1, responses: 3 },
      { start: '2026-11-11', creditsUsed: 0, calls: 0, chats: 0, responses: 0 },
    ]);
    const weeks = await server.call('GET', '/v1/usage/history?from=2026-11-10&to=2026-11-25&interval=week', {
      key: ws.key,
    });
    expect(weeks.body.points.map((p: { start: string; creditsUsed: number }) => [p.start, p.creditsUsed])).toEqual([
      ['2026-11-09', 4],
      ['2026-11-16', 1],
      ['2026-11-23', 1],
    ]);
    const standard = await server.call('GET', '/v1/usage/history', { key: ws.key });
    expect(standard.body.points).toHaveLength(90);
    expect(standard.body.points.at(-1).start).toBe('2026-11-25');
  });

  it('exports one CSV row per day and channel', async () => {
    const ws = await seeded();
    const res = await fetch(`${server.url}/v1/usage/export.csv?from=2026-11-01&to=2026-11-30`, {
      headers: { authorization: `Bearer ${ws.key}` },
    });
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('tally-usage-2026-11-01-to-2026-11-30.csv');
    expect((await res.text()).split('\r\n')).toEqual([
      'day,channel,credits_used,responses,conversations',
      '2026-11-10,call,3,2,1',
      '2026-11-10,chat,1,1,1',
      '2026-11-17,chat,1,1,1',
      '2026-11-25,chat,1,1,0',
      '',
    ]);
  });

  it('forecasts from the last 14 full days', async () => {
    const ws = await server.workspace(100);
    for (let day = 1; day <= 14; day++) {
      const at = new Date(clock.now().getTime() - day * DAY).toISOString();
      await record(ws.key, `r${day}`, 'chat', `chat-${day}`, at);
      await record(ws.key, `s${day}`, 'chat', `chat-${day}`, at);
    }
    const forecast = await server.call('GET', '/v1/forecast', { key: ws.key });
    expect(forecast.body.dailyAverage).toBe(2);
    expect(forecast.body.runsOutAt).toBe(new Date(clock.now().getTime() + 36 * DAY).toISOString());
  });

  it('refuses bad ranges with a 400 naming the field, and keeps workspaces apart', async () => {
    const ws = await seeded();
    const other = await server.workspace(10);
    expect(
      (await server.call('GET', '/v1/usage/summary?from=2026-11-20&to=2026-11-01', { key: ws.key })).body.error.details
        .field,
    ).toBe('from');
    expect((await server.call('GET', '/v1/usage/summary?from=yesterday', { key: ws.key })).status).toBe(400);
    expect((await server.call('GET', '/v1/usage/summary?from=2026-02-30', { key: ws.key })).status).toBe(400);
    expect((await server.call('GET', '/v1/usage/history?from=2024-01-01&to=2026-01-01', { key: ws.key })).status).toBe(
      400,
    );
    expect((await server.call('GET', '/v1/usage/history?interval=month', { key: ws.key })).status).toBe(400);
    const theirs = await server.call('GET', '/v1/usage/summary?from=2026-11-01&to=2026-11-30', { key: other.key });
    expect(theirs.body).toMatchObject({ creditsUsed: 0, calls: 0, chats: 0 });
  });

  it('refuses a month or day out of range with a 400, not a 500 (found by the fuzz test)', async () => {
    const ws = await server.workspace(10);
    for (const path of ['/v1/usage/summary', '/v1/usage/history', '/v1/usage/export.csv']) {
      for (const query of ['from=2026-13-01', 'to=2026-11-32', 'from=2026-00-10&to=2026-11-25']) {
        const res = await server.call('GET', `${path}?${query}`, { key: ws.key });
        expect(res.status, `${path}?${query}`).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'invalid_request',
          details: { field: query.slice(0, query.indexOf('=')) },
        });
      }
    }
  });
});

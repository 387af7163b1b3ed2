import { expect, it } from 'vitest';
import { serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('workspace settings', (ctx) => {
  const { server, clock } = serveEachTest(ctx, { startsAt: '2026-11-25T15:00:00Z' });

  it('counts days in UTC until the workspace chooses a zone, then in that zone', async () => {
    const ws = await server.workspace();
    clock.set('2026-11-26T03:00:00Z');
    expect((await server.call('GET', '/v1/settings', { key: ws.key })).body).toEqual({
      timeZone: 'UTC',
      today: '2026-11-26',
    });
    const set = await server.call('PUT', '/v1/settings', { key: ws.key, body: { timeZone: 'america/new_york' } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ timeZone: 'America/New_York', today: '2026-11-25' });
    expect((await server.call('GET', '/v1/settings', { key: ws.key })).body.timeZone).toBe('America/New_York');
    const summary = await server.call('GET', '/v1/usage/summary', { key: ws.key });
    expect(summary.body).toMatchObject({ to: '2026-11-25' });
    const history = await server.call('GET', '/v1/usage/history', { key: ws.key });
    expect(history.body.points.at(-1).start).toBe('2026-11-25');
  });

  it("regroups usage already recorded into the new zone's days, the DST day included, and back", async () => {
    const ws = await server.workspace(1000);
    const record = async (id: string, channel: 'call' | 'chat', conversationId: string, occurredAt: string) => {
      const res = await server.call('POST', '/v1/responses', {
        key: ws.key,
        body: { id, conversationId, channel, agentId: 'a1', occurredAt },
      });
      expect(res.status).toBe(201);
    };
    // New York: 2026-10-31 23:30 EDT; 2026-11-01 08:00 EDT; 2026-11-01 23:30 EST, the 25th hour; 2026-11-02 00:00 EST.
    await record('r1', 'chat', 'chat-1', '2026-11-01T03:30:00Z');
    await record('r2', 'chat', 'chat-2', '2026-11-01T12:00:00Z');
    await record('r3', 'chat', 'chat-3', '2026-11-02T04:30:00Z');
    await record('r4', 'call', 'call-1', '2026-11-02T05:00:00Z');

    const read = async () => {
      const days = await server.call('GET', '/v1/usage/history?from=2026-10-31&to=2026-11-02', { key: ws.key });
      const summary = await server.call('GET', '/v1/usage/summary?from=2026-11-02&to=2026-11-02', { key: ws.key });
      const breakdown = await server.call('GET', '/v1/usage/breakdown?by=channel&from=2026-11-02&to=2026-11-02', {
        key: ws.key,
      });
      return {
        days: days.body.points.map((p: { start: string; responses: number }) => [p.start, p.responses]),
        summary: { responses: summary.body.responses, calls: summary.body.calls, chats: summary.body.chats },
        breakdown: breakdown.body.rows.map((row: { key: string; responses: number }) => [row.key, row.responses]),
      };
    };
    const utc = {
      days: [
        ['2026-10-31', 0],
        ['2026-11-01', 2],
        ['2026-11-02', 2],
      ],
      summary: { responses: 2, calls: 1, chats: 1 },
      breakdown: expect.arrayContaining([
        ['call', 1],
        ['chat', 1],
      ]),
    };
    expect(await read()).toEqual(utc);

    await server.call('PUT', '/v1/settings', { key: ws.key, body: { timeZone: 'America/New_York' } });
    expect(await read()).toEqual({
      days: [
        ['2026-10-31', 1],
        ['2026-11-01', 2],
        ['2026-11-02', 1],
      ],
      summary: { responses: 1, calls: 1, chats: 0 },
      breakdown: [['call', 1]],
    });

    await server.call('PUT', '/v1/settings', { key: ws.key, body: { timeZone: 'UTC' } });
    expect(await read()).toEqual(utc);
  });

  it('refuses an unknown zone with a 400 naming the field, and keeps the one in force', async () => {
    const ws = await server.workspace();
    await server.call('PUT', '/v1/settings', { key: ws.key, body: { timeZone: 'Asia/Kolkata' } });
    for (const timeZone of ['Mars/Olympus_Mons', '+05:30', '', 42]) {
      const res = await server.call('PUT', '/v1/settings', { key: ws.key, body: { timeZone } });
      expect(res.status, String(timeZone)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'timeZone' } });
    }
    expect((await server.call('GET', '/v1/settings', { key: ws.key })).body.timeZone).toBe('Asia/Kolkata');
  });

  it('lets a read key see the zone but not change it, and keeps workspaces apart', async () => {
    const ws = await server.workspace();
    const other = await server.workspace();
    const key = await server.key(ws.id, ['read']);
    expect((await server.call('GET', '/v1/settings', { key })).status).toBe(200);
    const refused = await server.call('PUT', '/v1/settings', { key, body: { timeZone: 'Europe/Paris' } });
    expect(refused.status).toBe(403);
    await server.call('PUT', '/v1/settings', { key: other.key, body: { timeZone: 'Europe/Paris' } });
    expect((await server.call('GET', '/v1/settings', { key })).body.timeZone).toBe('UTC');
  });
});

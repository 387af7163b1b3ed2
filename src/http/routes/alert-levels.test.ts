import { expect, it } from 'vitest';
import { chargeChats, serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('usage levels over HTTP', (ctx) => {
  const { server } = serveEachTest(ctx);

  it('starts at 50%, 80% and 100% used and says where the period stands', async () => {
    const ws = await server.workspace(20);
    await chargeChats(server, ws.key, 11);
    const res = await server.call('GET', '/v1/alerts/levels', { key: ws.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      levels: [
        { kind: 'used_percent', usedPercent: 50, reached: true },
        { kind: 'used_percent', usedPercent: 80, reached: false },
        { kind: 'used_percent', usedPercent: 100, reached: false },
      ],
      default: true,
      period: { granted: 20, used: 11, usedPercent: 55 },
      available: 9,
    });
  });

  it('sets shares and credits-left levels, announces them once, and goes back to the defaults', async () => {
    const ws = await server.workspace(20);
    const set = await server.call('PUT', '/v1/alerts/levels', {
      key: ws.key,
      body: { levels: [{ creditsLeft: 12.5 }, { usedPercent: 25.5 }] },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      levels: [
        { kind: 'used_percent', usedPercent: 25.5, reached: false },
        { kind: 'credits_left', creditsLeft: 12.5, reached: false },
      ],
      default: false,
    });
    await chargeChats(server, ws.key, 8); // 40% used, 12 left
    const events = await ctx.store.db
      .selectFrom('webhook_events')
      .select('data')
      .where('workspace_id', '=', ws.id)
      .where('type', '=', 'usage.level_reached')
      .orderBy('seq')
      .execute();
    expect(events.map((e) => JSON.parse(e.data).level)).toEqual([25.5, 12.5]);

    const reset = await server.call('DELETE', '/v1/alerts/levels', { key: ws.key });
    expect(reset.body).toMatchObject({
      default: true,
      levels: [{ usedPercent: 50 }, { usedPercent: 80 }, { usedPercent: 100 }],
    });
  });

  it('refuses bad levels with 400 naming the field, and changes nothing', async () => {
    const ws = await server.workspace(10);
    const cases: [unknown, string][] = [
      [{ levels: [{}] }, 'levels.0'],
      [{ levels: [{ usedPercent: 50, creditsLeft: 5 }] }, 'levels.0'],
      [{ levels: [{ usedPercent: 0 }] }, 'levels.0.usedPercent'],
      [{ levels: [{ usedPercent: 101 }] }, 'levels.0.usedPercent'],
      [{ levels: [{ usedPercent: 12.345 }] }, 'levels.0.usedPercent'],
      [{ levels: [{ creditsLeft: -1 }] }, 'levels.0.creditsLeft'],
      [{ levels: [{ creditsLeft: 1.0005 }] }, 'levels.0.creditsLeft'],
      [{ levels: [{ usedPercent: 80 }, { usedPercent: 80 }] }, 'levels.1'],
      [{ levels: [{ percent: 80 }] }, 'levels.0.percent'],
      [{}, 'levels'],
    ];
    for (const [body, field] of cases) {
      const res = await server.call('PUT', '/v1/alerts/levels', { key: ws.key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details?.field, JSON.stringify(body)).toBe(field);
    }
    expect((await server.call('GET', '/v1/alerts/levels', { key: ws.key })).body.default).toBe(true);
  });

  it('needs the admin scope to change levels and the read scope to see them', async () => {
    const ws = await server.workspace(10);
    const key = await server.key(ws.id, ['read']);
    expect((await server.call('GET', '/v1/alerts/levels', { key })).status).toBe(200);
    const put = await server.call('PUT', '/v1/alerts/levels', { key, body: { levels: [] } });
    expect(put.status).toBe(403);
    expect((await server.call('DELETE', '/v1/alerts/levels', { key })).status).toBe(403);
  });

  it('answers e-mail notice settings only to a person signed in to the dashboard', async () => {
    const ws = await server.workspace(10);
    const res = await server.call('GET', '/v1/alerts/email', { key: ws.key });
    expect(res.status).toBe(403);
    expect(res.body.error.details).toEqual({ reason: 'not_a_dashboard_user' });
  });
});

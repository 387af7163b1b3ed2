import { expect, it } from 'vitest';
import { chargeChats, serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('the low-credit threshold over HTTP', (ctx) => {
  const { server } = serveEachTest(ctx);

  it('starts at 20% of the period and says where the balance stands', async () => {
    const ws = await server.workspace(50);
    const res = await server.call('GET', '/v1/alerts/threshold', { key: ws.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ threshold: { percent: 20 }, default: true, line: 10, available: 50, state: 'ok' });
  });

  it('sets a fixed number of credits, and GET /v1/balance measures low against it', async () => {
    const ws = await server.workspace(50);
    await chargeChats(server, ws.key, 20); // 30 left: not low by the default line of 10
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.low).toBe(false);

    const set = await server.call('PUT', '/v1/alerts/threshold', { key: ws.key, body: { credits: 30.5 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ threshold: { credits: 30.5 }, default: false, line: 30.5, available: 30, state: 'low' });
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body).toMatchObject({ low: true, upgrade: { reason: 'Credits are running low.' } });

    const percent = await server.call('PUT', '/v1/alerts/threshold', { key: ws.key, body: { percent: 12.5 } });
    expect(percent.body).toMatchObject({ threshold: { percent: 12.5 }, line: 6.25, state: 'ok' });
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.low).toBe(false);

    const reset = await server.call('DELETE', '/v1/alerts/threshold', { key: ws.key });
    expect(reset.body).toMatchObject({ threshold: { percent: 20 }, default: true, line: 10 });
  });

  it('refuses both, neither, or out-of-range values with 400', async () => {
    const ws = await server.workspace(10);
    for (const body of [{}, { percent: 10, credits: 5 }, { percent: 101 }, { credits: -1 }, { credits: 1.0005 }]) {
      const res = await server.call('PUT', '/v1/alerts/threshold', { key: ws.key, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });

  it('needs the admin scope to change it and the read scope to see it', async () => {
    const ws = await server.workspace(10);
    const key = await server.key(ws.id, ['read']);
    expect((await server.call('GET', '/v1/alerts/threshold', { key })).status).toBe(200);
    expect((await server.call('PUT', '/v1/alerts/threshold', { key, body: { percent: 5 } })).status).toBe(403);
    expect((await server.call('DELETE', '/v1/alerts/threshold', { key })).status).toBe(403);
  });
});

import { describe, expect, it } from 'vitest';
import { SMALL_PACK_CATALOG, setAutoTopUp } from '../../../test/support/auto-top-up.ts';
import { serveEachTest, startServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('GET and PUT /v1/auto-top-up', (ctx) => {
  const { server } = serveEachTest(ctx, { catalog: SMALL_PACK_CATALOG, config: { payments: 'manual' } });

  it('shows auto top-up off until the workspace sets it', async () => {
    const ws = await server.workspace(10);
    const res = await server.call('GET', '/v1/auto-top-up', { key: ws.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ enabled: false, threshold: 0, pack: 'pack-5', maxPerMonth: 3, thisMonth: { count: 0 } });
  });

  it('saves the settings and answers them', async () => {
    const ws = await server.workspace(10);
    const res = await setAutoTopUp(server, ws.key, { threshold: 2.5, pack: 'pack-500', maxPerMonth: 4 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      enabled: true,
      threshold: 2.5,
      pack: 'pack-500',
      maxPerMonth: 4,
      thisMonth: { count: 0 },
    });
    expect((await server.call('GET', '/v1/auto-top-up', { key: ws.key })).body).toEqual(res.body);
  });

  it.each([
    [{ pack: 'pack-nope' }, 'pack'],
    [{ threshold: -1 }, 'threshold'],
    [{ threshold: 1.0005 }, 'threshold'],
    [{ maxPerMonth: 0 }, 'maxPerMonth'],
    [{ maxPerMonth: 101 }, 'maxPerMonth'],
    [{ maxPerMonth: 2.5 }, 'maxPerMonth'],
  ])('refuses %o with 400 naming %s and changes nothing', async (change, field) => {
    const ws = await server.workspace(10);
    const res = await setAutoTopUp(server, ws.key, { threshold: 5, ...change });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { field } });
    expect((await server.call('GET', '/v1/auto-top-up', { key: ws.key })).body.enabled).toBe(false);
  });

  it('needs the admin scope to change it, and read to see it', async () => {
    const ws = await server.workspace(10);
    const reader = await server.key(ws.id, ['read']);
    expect((await setAutoTopUp(server, reader, { threshold: 5 })).status).toBe(403);
    expect((await server.call('GET', '/v1/auto-top-up', { key: reader })).status).toBe(200);
  });
});

describe('PUT /v1/auto-top-up with payments off', () => {
  describeStores('enabling', (ctx) => {
    it('is 409 payments_not_configured and changes nothing; disabling is allowed', async () => {
      const server = await startServer(ctx.store, { catalog: SMALL_PACK_CATALOG, config: { payments: 'off' } });
      try {
        const ws = await server.workspace(10);
        const res = await setAutoTopUp(server, ws.key, { threshold: 5 });
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('payments_not_configured');
        expect((await server.call('GET', '/v1/auto-top-up', { key: ws.key })).body.enabled).toBe(false);
        expect((await setAutoTopUp(server, ws.key, { threshold: 5, enabled: false })).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });
});

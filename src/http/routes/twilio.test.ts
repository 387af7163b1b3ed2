import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../../../test/fakes/twilio-server.ts';
import { MINUTE } from '../../../test/support/clock.ts';
import { serverPerTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import {
  ACCOUNT_SID,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  PATHS,
  TEST_ACCOUNT,
} from '../../../test/support/twilio.ts';

describeStores('/v1/twilio', (ctx) => {
  const { server, clock, start } = serverPerTest(ctx);
  let fake: FakeTwilio;
  beforeEach(async () => {
    fake = await FakeTwilio.start({ accounts: [structuredClone(TEST_ACCOUNT)], now: clock.now });
    await start({ startsAt: '2026-11-01T12:00:00Z', config: { twilioApiUrl: fake.url } });
  });
  afterEach(() => fake.stop());

  const connectBody = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };

  describe('happy', () => {
    it('shows an unconnected workspace as not connected, with 200', async () => {
      const ws = await server.workspace();
      const res = await server.call('GET', '/v1/twilio', { key: ws.key });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ connected: false, stale: false });
    });

    it('connects with PUT and shows the balance and 30-day spend on GET', async () => {
      const ws = await server.workspace();
      const put = await server.call('PUT', '/v1/twilio', { key: ws.key, body: connectBody });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ connected: true, accountSid: ACCOUNT_SID, balance: 42.17, stale: false });

      const get = await server.call('GET', '/v1/twilio', { key: await server.key(ws.id, ['read']) });
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({
        connected: true,
        accountSid: ACCOUNT_SID,
        balance: 42.17,
        currency: 'USD',
        last30Days: { spend: 5.41, currency: 'USD', calls: 17, callMinutes: 40 },
        asOf: '2026-11-01T12:00:00.000Z',
        stale: false,
      });
      expect(get.body.daily).toHaveLength(30);
      expect(fake.count(PATHS.balance)).toBe(1); // the GET was served from the cache the PUT filled
    });

    it('answers PUT and GET with 200 when Twilio sends a price as the JSON number 1e-7', async () => {
      fake.addAccount({
        ...TEST_ACCOUNT,
        usage: { '2026-11-01': { calls: 1, minutes: 1, callPrice: '0.0000001', totalPrice: '0.0000001' } },
      });
      await fake.set({ priceAs: 'number' });
      const ws = await server.workspace();
      const put = await server.call('PUT', '/v1/twilio', { key: ws.key, body: connectBody });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ stale: false, last30Days: { spend: 1e-7, currency: 'USD' } });
      const get = await server.call('GET', '/v1/twilio', { key: ws.key });
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({ balance: 42.17, last30Days: { spend: 1e-7 } });
      expect(fake.invalidRequests).toEqual([]);
    });

    it('connects with an API key SID and secret', async () => {
      const ws = await server.workspace();
      const put = await server.call('PUT', '/v1/twilio', {
        key: ws.key,
        body: { accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ authKind: 'api_key', balance: 42.17 });
    });

    it('disconnects with DELETE (204), after which GET says not connected', async () => {
      const ws = await server.workspace();
      await server.call('PUT', '/v1/twilio', { key: ws.key, body: connectBody });
      const del = await server.call('DELETE', '/v1/twilio', { key: ws.key });
      expect(del.status).toBe(204);
      expect((await server.call('GET', '/v1/twilio', { key: ws.key })).body).toEqual({
        connected: false,
        stale: false,
      });
    });

    it('is described in the OpenAPI document', async () => {
      const doc = await server.call('GET', '/openapi.json');
      expect(Object.keys(doc.body.paths['/v1/twilio']).sort()).toEqual(['delete', 'get', 'put']);
    });

    it('still answers 200 with the last figures, stale, when Twilio is down', async () => {
      const ws = await server.workspace();
      await server.call('PUT', '/v1/twilio', { key: ws.key, body: connectBody });
      await fake.set({ failure: 'refused' });
      clock.advance(5 * MINUTE);
      const res = await server.call('GET', '/v1/twilio', { key: ws.key });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        connected: true,
        balance: 42.17,
        asOf: '2026-11-01T12:00:00.000Z',
        stale: true,
        problem: { code: 'unreachable' },
      });
    });
  });

  describe('error', () => {
    it('answers 400 twilio_credentials_rejected for credentials Twilio refuses, and stores nothing', async () => {
      const ws = await server.workspace();
      const res = await server.call('PUT', '/v1/twilio', {
        key: ws.key,
        body: { accountSid: ACCOUNT_SID, authToken: '00000000000000000000000000000000' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'twilio_credentials_rejected',
        details: { accountSid: ACCOUNT_SID },
      });
      expect((await server.call('GET', '/v1/twilio', { key: ws.key })).body.connected).toBe(false);
    });

    it('answers 503 twilio_unavailable when Twilio cannot verify, and stores nothing', async () => {
      const ws = await server.workspace();
      await fake.set({ failure: 'unavailable' });
      const res = await server.call('PUT', '/v1/twilio', { key: ws.key, body: connectBody });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('twilio_unavailable');
      expect((await server.call('GET', '/v1/twilio', { key: ws.key })).body.connected).toBe(false);
    });

    it('refuses malformed bodies with 400 invalid_request naming the field, without asking Twilio', async () => {
      const ws = await server.workspace();
      const badSid = await server.call('PUT', '/v1/twilio', {
        key: ws.key,
        body: { accountSid: 'nope', authToken: AUTH_TOKEN },
      });
      expect(badSid.status).toBe(400);
      expect(badSid.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'accountSid' } });
      const extra = await server.call('PUT', '/v1/twilio', { key: ws.key, body: { ...connectBody, region: 'ie1' } });
      expect(extra.status).toBe(400);
      expect(extra.body.error.details).toMatchObject({ field: 'region' });
      const neither = await server.call('PUT', '/v1/twilio', { key: ws.key, body: { accountSid: ACCOUNT_SID } });
      expect(neither.status).toBe(400);
      expect(fake.totalRequests).toBe(0);
    });
  });

  describe('security', () => {
    it('needs a key: 401 without one', async () => {
      expect((await server.call('GET', '/v1/twilio')).status).toBe(401);
      expect((await server.call('PUT', '/v1/twilio', { body: connectBody })).status).toBe(401);
    });

    it('lets a read key see the card but not connect or disconnect (403)', async () => {
      const ws = await server.workspace();
      const readKey = await server.key(ws.id, ['read']);
      expect((await server.call('GET', '/v1/twilio', { key: readKey })).status).toBe(200);
      const put = await server.call('PUT', '/v1/twilio', { key: readKey, body: connectBody });
      expect(put.status).toBe(403);
      expect(put.body.error.details).toMatchObject({ requiredScope: 'admin' });
      expect((await server.call('DELETE', '/v1/twilio', { key: readKey })).status).toBe(403);
      const ingestKey = await server.key(ws.id, ['ingest']);
      expect((await server.call('GET', '/v1/twilio', { key: ingestKey })).status).toBe(403);
      expect(fake.totalRequests).toBe(0);
    });

    it("never shows one workspace's Twilio account to another", async () => {
      const a = await server.workspace();
      const b = await server.call('PUT', '/v1/twilio', { key: a.key, body: connectBody });
      expect(b.status).toBe(200);
      const other = await server.workspace();
      expect((await server.call('GET', '/v1/twilio', { key: other.key })).body).toEqual({
        connected: false,
        stale: false,
      });
    });

    it('never returns the secret, whether accepted or refused', async () => {
      const ws = await server.workspace();
      const wrong = 'ffffffffffffffffffffffffffffffff';
      const refused = await server.call('PUT', '/v1/twilio', {
        key: ws.key,
        body: { accountSid: ACCOUNT_SID, authToken: wrong },
      });
      const accepted = await server.call('PUT', '/v1/twilio', { key: ws.key, body: connectBody });
      const card = await server.call('GET', '/v1/twilio', { key: ws.key });
      const everything = JSON.stringify([refused.body, accepted.body, card.body]);
      expect(everything).not.toContain(wrong);
      expect(everything).not.toContain(AUTH_TOKEN);
    });
  });
});

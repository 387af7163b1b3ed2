import { afterEach, expect, it } from 'vitest';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../test/support/http.ts';
import { answerChecker } from '../../test/support/openapi.ts';
import { describeStores } from '../../test/support/stores.ts';

type Call = TestServer['call'];
type CallOptions = Parameters<Call>[2];

/**
 * A realistic session over real HTTP, every answer checked against what /openapi.json declares for
 * its operation: the status is declared, the media type is, and the body matches the schema.
 */
describeStores('answers as the API description declares them', (ctx) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  /** A server whose calls are checked, and each one's status asserted as the session expects it. */
  async function checkedServer(config: Parameters<typeof startServer>[1] = {}) {
    const server = await startServer(ctx.store, config);
    servers.push(server);
    const check = answerChecker((await server.call('GET', '/openapi.json')).body);
    const problems: string[] = [];
    const call = async (status: number, method: string, path: string, options?: CallOptions): ReturnType<Call> => {
      const answer = await server.call(method, path, options);
      problems.push(...check(method, path, answer));
      expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(status);
      return answer;
    };
    return { server, call, problems };
  }

  it('a workspace recording, reserving, refunding and reading its usage', async () => {
    const { server, call, problems } = await checkedServer();
    const op = { key: TEST_ADMIN_KEY };

    const ws = (await call(201, 'POST', '/v1/workspaces', { ...op, body: { name: 'Acme', plan: 'starter' } })).body;
    await call(200, 'GET', '/v1/workspaces', op);
    await call(200, 'GET', `/v1/workspaces/${ws.id}`, op);
    const key = (
      await call(201, 'POST', `/v1/workspaces/${ws.id}/keys`, { ...op, body: { scopes: ['ingest', 'read', 'admin'] } })
    ).body;
    const readKey = (await call(201, 'POST', `/v1/workspaces/${ws.id}/keys`, { ...op, body: { scopes: ['read'] } }))
      .body;
    await call(200, 'GET', `/v1/workspaces/${ws.id}/keys`, op);
    const grant = { id: 'welcome', amount: 50, source: 'promotion', reason: 'welcome credits' };
    await call(201, 'POST', `/v1/workspaces/${ws.id}/grants`, { ...op, body: grant });
    await call(409, 'POST', `/v1/workspaces/${ws.id}/grants`, { ...op, body: { ...grant, amount: 60 } });

    const k = { key: key.key };
    const conversation = { id: 'call-1', channel: 'call', agentId: 'receptionist' };
    await call(201, 'POST', '/v1/conversations', { ...k, body: conversation });
    await call(200, 'POST', '/v1/conversations', { ...k, body: conversation });
    await call(409, 'POST', '/v1/conversations', { ...k, body: { ...conversation, channel: 'chat' } });
    const response = (id: string) => ({ id, conversationId: 'call-1', channel: 'call', agentId: 'receptionist' });
    await call(201, 'POST', '/v1/responses', { ...k, body: response('r1') });
    await call(200, 'POST', '/v1/responses/batch', { ...k, body: { responses: [response('r2'), { id: 'bad' }] } });
    await call(200, 'POST', '/v1/check', { ...k, body: { count: 2 } });
    const held = (await call(201, 'POST', '/v1/reservations', { ...k, body: { count: 1, ttlSeconds: 60 } })).body;
    await call(201, 'POST', `/v1/reservations/${held.id}/commit`, { ...k, body: response('r3') });
    await call(409, 'POST', `/v1/reservations/${held.id}/release`, k);
    const released = (await call(201, 'POST', '/v1/reservations', { ...k, body: {} })).body;
    await call(200, 'POST', `/v1/reservations/${released.id}/release`, k);
    await call(200, 'POST', '/v1/responses/r1/refund', { ...k, body: { reason: 'the caller hung up' } });

    for (const path of [
      '/v1/balance',
      '/v1/usage/summary',
      '/v1/usage/history?interval=week',
      '/v1/forecast',
      '/v1/ledger?limit=2',
      '/v1/twilio',
      '/v1/plans',
      '/v1/rate-cards',
      '/v1/agents',
      '/v1/subscription',
      '/v1/upgrade-options',
      '/v1/alerts/threshold',
    ]) {
      await call(200, 'GET', path, k);
    }
    const csv = await call(200, 'GET', '/v1/usage/export.csv', k);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    await call(201, 'POST', '/v1/dashboard-sessions', { ...k, body: {} });
    await call(201, 'POST', '/v1/agents', { ...k, body: { id: 'receptionist', name: 'Receptionist' } });
    await call(204, 'DELETE', '/v1/agents/receptionist', k);

    // The errors a client meets, each declared for the operation that answered it.
    await call(400, 'POST', '/v1/responses', { ...k, body: { ...response('r4'), colour: 'blue' } });
    await call(400, 'GET', '/v1/usage/history?interval=year', k);
    await call(401, 'GET', '/v1/balance');
    await call(401, 'POST', '/v1/session', { body: { email: 'nobody@example.com', password: 'not the password' } });
    await call(403, 'POST', '/v1/responses', { key: readKey.key, body: response('r5') });
    await call(403, 'GET', '/v1/workspaces', k);
    await call(404, 'POST', '/v1/responses/no-such-response/refund', { ...k, body: { reason: 'none' } });
    await call(404, 'GET', '/v1/workspaces/ws_nothing', op);
    await call(413, 'POST', '/v1/check', { ...k, body: { features: ['x'.repeat(1_100_000)] } });
    await call(415, 'POST', '/v1/check', { ...k, body: 'count=1', headers: { 'content-type': 'text/plain' } });
    await call(204, 'DELETE', `/v1/workspaces/${ws.id}/keys/${readKey.id}`, op);

    const broke = await server.workspace(0, 'free');
    await call(402, 'POST', '/v1/responses', { key: broke.key, body: response('r6') });

    expect(problems).toEqual([]);
  });

  it('a rate-limited caller: 429 with Retry-After, as declared', async () => {
    const { call, problems } = await checkedServer({ config: { rateLimitPerMinute: 3 } });
    await call(401, 'GET', '/v1/balance');
    await call(401, 'GET', '/v1/balance');
    const limited = await call(429, 'GET', '/v1/balance');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

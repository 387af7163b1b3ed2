import { expect, it } from 'vitest';
import { DAY } from '../../../test/support/clock.ts';
import { serveEachTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('spend limits over HTTP', (ctx) => {
  const { server, clock } = serveEachTest(ctx, { startsAt: '2026-11-10T12:00:00Z' });

  let counter = 0;
  const charge = (key: string, agentId = 'a1', features?: string[]) =>
    server.call('POST', '/v1/responses', {
      key,
      body: { id: `r${++counter}`, conversationId: `c-${agentId}`, channel: 'chat', agentId, features },
    });
  const limits = (key: string) => server.call('GET', '/v1/limits', { key });
  const setLimits = (key: string, body: unknown) => server.call('PUT', '/v1/limits', { key, body });
  const limitEvents = async (workspaceId: string) =>
    (
      await ctx.store.db
        .selectFrom('webhook_events')
        .select('data')
        .where('workspace_id', '=', workspaceId)
        .where('type', '=', 'limit.reached')
        .orderBy('seq')
        .execute()
    ).map((row) => JSON.parse(row.data));

  it('has none until set, then counts what the period already spent', async () => {
    const ws = await server.workspace(100);
    expect((await limits(ws.key)).body).toEqual({
      period: { start: '2026-11-10T00:00:00.000Z', end: '2026-12-10T00:00:00.000Z' },
      workspace: null,
      agents: [],
    });
    await charge(ws.key, 'a1');
    await charge(ws.key, 'a2', ['voice:elevenlabs']);
    const set = await setLimits(ws.key, {
      workspace: { credits: 50, mode: 'block' },
      agents: [{ agentId: 'a2', credits: 10.5, mode: 'alert' }],
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      workspace: { credits: 50, mode: 'block', used: 2.5, reached: false },
      agents: [{ agentId: 'a2', credits: 10.5, mode: 'alert', used: 1.5, reached: false }],
    });
    await charge(ws.key, 'a2');
    expect((await limits(ws.key)).body).toMatchObject({ workspace: { used: 3.5 }, agents: [{ used: 2.5 }] });
  });

  it('refuses a charge that would pass a block limit with 402 spend_limit_reached, recording nothing', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { workspace: { credits: 2.5, mode: 'block' } });
    expect((await charge(ws.key)).status).toBe(201);
    expect((await charge(ws.key)).status).toBe(201);
    const refused = await charge(ws.key);
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({
      code: 'spend_limit_reached',
      details: { scope: 'workspace', limit: 2.5, used: 2 },
    });
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body.available).toBe(98);
    expect((await server.call('GET', '/v1/usage/summary', { key: ws.key })).body.responses).toBe(2);
    expect((await limits(ws.key)).body.workspace).toEqual({ credits: 2.5, mode: 'block', used: 2, reached: true });
    // Reached once: one event, however many charges it refuses.
    await charge(ws.key);
    expect(await limitEvents(ws.id)).toEqual([
      {
        scope: 'workspace',
        limit: 2.5,
        used: 2,
        mode: 'block',
        periodStart: '2026-11-10T00:00:00.000Z',
        periodEnd: '2026-12-10T00:00:00.000Z',
      },
    ]);
  });

  it('blocks only the agent over its own limit, and names it', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { agents: [{ agentId: 'a1', credits: 1, mode: 'block' }] });
    expect((await charge(ws.key, 'a1')).status).toBe(201);
    const refused = await charge(ws.key, 'a1');
    expect(refused.status).toBe(402);
    expect(refused.body.error.details).toEqual({ scope: 'agent', agentId: 'a1', limit: 1, used: 1 });
    expect((await charge(ws.key, 'a2')).status).toBe(201);
  });

  it('lets an alert limit be passed and announces it once per period', async () => {
    const ws = await server.workspace(100);
    const hook = await server.call('POST', '/v1/webhooks', {
      key: TEST_ADMIN_KEY,
      body: { url: 'https://ops.example.com/hooks', events: ['limit.reached'] },
    });
    expect(hook.status).toBe(201);
    await setLimits(ws.key, { workspace: { credits: 2, mode: 'alert' } });
    for (let i = 0; i < 4; i++) expect((await charge(ws.key)).status).toBe(201);
    expect(await limitEvents(ws.id)).toEqual([
      expect.objectContaining({ scope: 'workspace', limit: 2, used: 2, mode: 'alert' }),
    ]);
    expect((await limits(ws.key)).body.workspace).toMatchObject({ used: 4, reached: true });
    const deliveries = await ctx.store.db
      .selectFrom('webhook_deliveries')
      .select('subscription_id')
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(deliveries).toEqual([{ subscription_id: hook.body.id }]);

    clock.advance(30 * DAY);
    expect((await limits(ws.key)).body).toMatchObject({
      period: { start: '2026-12-10T00:00:00.000Z' },
      workspace: { used: 0, reached: false },
    });
    await charge(ws.key);
    await charge(ws.key);
    expect(await limitEvents(ws.id)).toHaveLength(2);
    expect((await limitEvents(ws.id))[1]).toMatchObject({ periodStart: '2026-12-10T00:00:00.000Z', used: 2 });
  });

  it('gives a refunded charge back to the limit', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { workspace: { credits: 1, mode: 'block' } });
    await charge(ws.key);
    expect((await charge(ws.key)).status).toBe(402);
    const refund = await server.call('POST', `/v1/responses/r${counter - 1}/refund`, {
      key: ws.key,
      body: { reason: 'wrong answer' },
    });
    expect(refund.status).toBe(200);
    expect((await limits(ws.key)).body.workspace).toMatchObject({ used: 0 });
    expect((await charge(ws.key)).status).toBe(201);
  });

  it('answers POST /v1/check with allowed false and the reason', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, {
      workspace: { credits: 3, mode: 'block' },
      agents: [{ agentId: 'a1', credits: 1, mode: 'block' }],
    });
    await charge(ws.key, 'a1');
    const check = (body: unknown) => server.call('POST', '/v1/check', { key: ws.key, body });
    expect((await check({ agentId: 'a1' })).body).toEqual({
      allowed: false,
      cost: 1,
      available: 99,
      reason: 'spend_limit_reached',
    });
    expect((await check({ agentId: 'a2' })).body).toEqual({ allowed: true, cost: 1, available: 99 });
    expect((await check({ count: 3 })).body).toMatchObject({ allowed: false, reason: 'spend_limit_reached' });
    expect((await check({ count: 2 })).body.allowed).toBe(true);
    expect((await check({ count: 200 })).body).toMatchObject({ allowed: false, reason: 'insufficient_credits' });
  });

  it('counts live holds against the workspace limit and refuses a hold past it', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { workspace: { credits: 2, mode: 'block' } });
    const reserve = (body: unknown) => server.call('POST', '/v1/reservations', { key: ws.key, body });
    const first = await reserve({ count: 1 });
    expect(first.status).toBe(201);
    expect((await reserve({ count: 2 })).body.error).toMatchObject({
      code: 'spend_limit_reached',
      details: { scope: 'workspace', limit: 2, used: 0 },
    });
    expect((await charge(ws.key)).status).toBe(201);
    // The hold's own amount does not count against its commit.
    const commit = await server.call('POST', `/v1/reservations/${first.body.id}/commit`, {
      key: ws.key,
      body: { id: 'held-1', conversationId: 'c1', channel: 'chat', agentId: 'a1' },
    });
    expect(commit.status).toBe(201);
    expect((await charge(ws.key)).status).toBe(402);
  });

  it('refuses a hold for an agent past its own limit', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { agents: [{ agentId: 'a1', credits: 1, mode: 'block' }] });
    await charge(ws.key, 'a1');
    const hold = await server.call('POST', '/v1/reservations', { key: ws.key, body: { agentId: 'a1' } });
    expect(hold.status).toBe(402);
    expect(hold.body.error.details).toMatchObject({ scope: 'agent', agentId: 'a1' });
    expect((await server.call('POST', '/v1/reservations', { key: ws.key, body: { agentId: 'a2' } })).status).toBe(201);
  });

  it('refuses each batch item past the limit and charges the others', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { agents: [{ agentId: 'a1', credits: 2, mode: 'block' }] });
    const responses = ['a1', 'a2', 'a1', 'a1', 'a2'].map((agentId, i) => ({
      id: `b${i}`,
      conversationId: `c-${agentId}`,
      channel: 'chat',
      agentId,
    }));
    const batch = await server.call('POST', '/v1/responses/batch', { key: ws.key, body: { responses } });
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 402, 201]);
    expect(batch.body.results[3].error.code).toBe('spend_limit_reached');
    expect(await limitEvents(ws.id)).toEqual([expect.objectContaining({ scope: 'agent', agentId: 'a1', used: 2 })]);
  });

  it('keeps a left-out part, removes with null, and replaces the agent list', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, {
      workspace: { credits: 10, mode: 'block' },
      agents: [{ agentId: 'a1', credits: 1, mode: 'alert' }],
    });
    expect((await setLimits(ws.key, { agents: [{ agentId: 'a2', credits: 2, mode: 'block' }] })).body).toMatchObject({
      workspace: { credits: 10 },
      agents: [{ agentId: 'a2', credits: 2 }],
    });
    expect((await setLimits(ws.key, { workspace: null })).body).toMatchObject({
      workspace: null,
      agents: [{ agentId: 'a2' }],
    });
    expect((await setLimits(ws.key, { agents: [] })).body).toMatchObject({ workspace: null, agents: [] });
  });

  it('refuses bad limits with 400 naming the field, and changes nothing', async () => {
    const ws = await server.workspace(100);
    await setLimits(ws.key, { workspace: { credits: 10, mode: 'block' } });
    const cases: [unknown, string][] = [
      [{ workspace: { credits: 0, mode: 'block' } }, 'workspace.credits'],
      [{ workspace: { credits: -1, mode: 'block' } }, 'workspace.credits'],
      [{ workspace: { credits: 1.2345, mode: 'block' } }, 'workspace.credits'],
      [{ workspace: { credits: 5, mode: 'warn' } }, 'workspace.mode'],
      [{ agents: [{ agentId: 'a1', credits: 0.0001, mode: 'alert' }] }, 'agents[0].credits'],
      [{ agents: [{ agentId: 'a1', credits: 1, mode: 'stop' }] }, 'agents.0.mode'],
      [
        {
          agents: [
            { agentId: 'a1', credits: 1, mode: 'alert' },
            { agentId: 'a1', credits: 2, mode: 'block' },
          ],
        },
        'agents[1].agentId',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await setLimits(ws.key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { field } });
    }
    expect((await limits(ws.key)).body).toMatchObject({ workspace: { credits: 10, mode: 'block' }, agents: [] });
  });

  it('needs the admin scope to set limits and the read scope to see them', async () => {
    const ws = await server.workspace(10);
    const readOnly = await server.key(ws.id, ['read']);
    expect((await limits(readOnly)).status).toBe(200);
    const write = await setLimits(readOnly, { workspace: { credits: 1, mode: 'block' } });
    expect(write.status).toBe(403);
    expect((await limits(ws.key)).body.workspace).toBeNull();
  });
});

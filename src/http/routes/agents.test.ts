import { expect, it } from 'vitest';
import { serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { Catalog, DEFAULT_CATALOG } from '../../billing/catalog.ts';

describeStores('agents', (ctx) => {
  const { server } = serveEachTest(ctx, { catalog: new Catalog(DEFAULT_CATALOG) });

  const create = (key: string, body: Record<string, unknown>) => server.call('POST', '/v1/agents', { key, body });

  it("registers agents up to the plan's limit, then answers 409 agent_limit_reached", async () => {
    const ws = await server.workspace(0, 'starter');
    for (const id of ['reception', 'sales', 'support']) {
      expect((await create(ws.key, { id, name: `Agent ${id}` })).status).toBe(201);
    }
    const refused = await create(ws.key, { id: 'billing', name: 'Billing' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'agent_limit_reached',
      details: { allowed: 3, used: 3, plan: 'starter' },
    });
    const list = await server.call('GET', '/v1/agents', { key: ws.key });
    expect(list.body).toMatchObject({ used: 3, allowed: 3 });
    expect(list.body.agents.map((a: { id: string }) => a.id)).toEqual(['reception', 'sales', 'support']);
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body.agents).toEqual({ used: 3, allowed: 3 });
  });

  it('lets only one of two creates racing for the last place succeed', async () => {
    const ws = await server.workspace(0, 'free');
    const replies = await Promise.all(['a', 'b', 'c', 'd'].map((id) => create(ws.key, { id, name: id })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect((await server.call('GET', '/v1/agents', { key: ws.key })).body.agents).toHaveLength(1);
  });

  it('frees a place when an agent is removed, and a repeated create answers with the same agent', async () => {
    const ws = await server.workspace(0, 'free');
    const first = await create(ws.key, { id: 'a', name: 'Ann' });
    const again = await create(ws.key, { id: 'a', name: 'Ann' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const renamed = await create(ws.key, { id: 'a', name: 'Bob' });
    expect(renamed.body.error.code).toBe('idempotency_conflict');
    expect((await server.call('DELETE', '/v1/agents/a', { key: ws.key })).status).toBe(204);
    expect((await server.call('DELETE', '/v1/agents/a', { key: ws.key })).status).toBe(404);
    const made = await create(ws.key, { name: 'Cy' });
    expect(made.status).toBe(201);
    expect(made.body.id).toMatch(/^agt_/);
  });

  it("never shows or removes another workspace's agents", async () => {
    const mine = await server.workspace(0, 'starter');
    const theirs = await server.workspace(0, 'starter');
    await create(theirs.key, { id: 'secret', name: 'Theirs' });
    expect((await server.call('GET', '/v1/agents', { key: mine.key })).body.agents).toEqual([]);
    expect((await server.call('DELETE', '/v1/agents/secret', { key: mine.key })).status).toBe(404);
  });

  it('lets a read key list agents but not create them', async () => {
    const ws = await server.workspace(0, 'starter');
    const read = await server.key(ws.id, ['read']);
    expect((await server.call('GET', '/v1/agents', { key: read })).status).toBe(200);
    expect((await create(read, { name: 'x' })).status).toBe(403);
  });
});

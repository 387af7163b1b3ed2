import { expect, it } from 'vitest';
import { serveEachTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('operator routes', (ctx) => {
  const { server } = serveEachTest(ctx);
  const admin = { key: TEST_ADMIN_KEY };

  it('creates a workspace on a plan from the catalog and refuses an unknown plan', async () => {
    const created = await server.call('POST', '/v1/workspaces', { ...admin, body: { name: 'Acme', plan: 'starter' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Acme', plan: 'starter', overageLimit: 0 });
    expect(created.body.id).toMatch(/^ws_/);
    const fetched = await server.call('GET', `/v1/workspaces/${created.body.id}`, admin);
    expect(fetched.body).toEqual(created.body);
    const unknown = await server.call('POST', '/v1/workspaces', { ...admin, body: { name: 'Acme', plan: 'platinum' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toBe('plan');
  });

  it('lists workspaces a page at a time', async () => {
    for (const name of ['A', 'B', 'C'])
      await server.call('POST', '/v1/workspaces', { ...admin, body: { name, plan: 'free' } });
    const first = await server.call('GET', '/v1/workspaces?limit=2', admin);
    expect(first.body.workspaces).toHaveLength(2);
    const second = await server.call('GET', `/v1/workspaces?limit=2&after=${first.body.nextCursor}`, admin);
    expect(second.body.workspaces).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
  });

  it('shows a key once, stores only its hash, and a revoked key fails at once', async () => {
    const ws = await server.workspace(5);
    const issued = await server.call('POST', `/v1/workspaces/${ws.id}/keys`, {
      ...admin,
      body: { scopes: ['read'], name: 'dashboard' },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.key.startsWith(issued.body.prefix)).toBe(true);
    const stored = await ctx.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', issued.body.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(issued.body.key);
    expect((await server.call('GET', '/v1/balance', { key: issued.body.key })).status).toBe(200);
    const listed = await server.call('GET', `/v1/workspaces/${ws.id}/keys`, admin);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.key);
    expect((await server.call('DELETE', `/v1/workspaces/${ws.id}/keys/${issued.body.id}`, admin)).status).toBe(204);
    const after = await server.call('GET', '/v1/balance', { key: issued.body.key });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
  });

  it('grants credits once per id and refuses the same id with other values', async () => {
    const ws = await server.workspace();
    const body = { id: 'promo-1', amount: 12.5, source: 'promotion', reason: 'launch' };
    const first = await server.call('POST', `/v1/workspaces/${ws.id}/grants`, { ...admin, body });
    const again = await server.call('POST', `/v1/workspaces/${ws.id}/grants`, { ...admin, body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const conflict = await server.call('POST', `/v1/workspaces/${ws.id}/grants`, {
      ...admin,
      body: { ...body, amount: 13 },
    });
    expect(conflict.status).toBe(409);
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.available).toBe(12.5);
  });

  it('refuses amounts with more than three decimals, naming the field', async () => {
    const ws = await server.workspace();
    const res = await server.call('POST', `/v1/workspaces/${ws.id}/grants`, {
      ...admin,
      body: { id: 'g', amount: 1.0005, source: 'promotion', reason: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', details: { field: 'amount' } });
  });

  it('keeps operator routes from workspace keys and workspace routes from the operator key', async () => {
    const ws = await server.workspace();
    expect((await server.call('GET', '/v1/workspaces', { key: ws.key })).status).toBe(403);
    expect((await server.call('GET', '/v1/balance', admin)).status).toBe(403);
    expect((await server.call('GET', '/v1/workspaces')).status).toBe(401);
  });
});

import { expect, it } from 'vitest';
import { serveEachTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('credits expiring this period on the balance', (ctx) => {
  const { server, clock } = serveEachTest(ctx, { startsAt: '2026-11-25T15:00:00Z' });

  async function grant(workspaceId: string, id: string, amount: number, expiresAt?: string) {
    const res = await server.call('POST', `/v1/workspaces/${workspaceId}/grants`, {
      key: TEST_ADMIN_KEY,
      body: { id, amount, source: 'promotion', reason: `promo ${id}`, ...(expiresAt ? { expiresAt } : {}) },
    });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }

  it('lists the grants that expire before the period ends, soonest first, with what they still hold', async () => {
    const ws = await server.workspace();
    const balance0 = await server.call('GET', '/v1/balance', { key: ws.key });
    const periodEnd: string = balance0.body.period.end;
    await grant(ws.id, 'late', 300, periodEnd);
    await grant(ws.id, 'soon', 1200, new Date(Date.parse('2026-11-25T15:00:00Z') + 2 * 86_400_000).toISOString());
    await grant(ws.id, 'keeps', 50);
    await grant(ws.id, 'next-period', 70, new Date(Date.parse(periodEnd) + 1).toISOString());
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.status).toBe(200);
    expect(balance.body.expiring).toEqual([
      {
        grantId: 'soon',
        source: 'promotion',
        reason: 'promo soon',
        credits: 1200,
        expiresAt: '2026-11-27T15:00:00.000Z',
      },
      { grantId: 'late', source: 'promotion', reason: 'promo late', credits: 300, expiresAt: periodEnd },
    ]);
  });

  it('stops listing a grant once it has expired', async () => {
    const ws = await server.workspace();
    await grant(ws.id, 'soon', 10, '2026-11-26T00:00:00Z');
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.expiring).toHaveLength(1);
    clock.set('2026-11-26T00:00:00Z');
    expect((await server.call('GET', '/v1/balance', { key: ws.key })).body.expiring).toEqual([]);
  });
});

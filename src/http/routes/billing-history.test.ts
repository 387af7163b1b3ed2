import { expect, it } from 'vitest';
import { serveEachTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { Catalog, DEFAULT_CATALOG } from '../../billing/catalog.ts';

describeStores('billing history', (ctx) => {
  const { server, clock } = serveEachTest(ctx, {
    startsAt: '2026-11-10T12:00:00Z',
    catalog: new Catalog(DEFAULT_CATALOG),
    config: { payments: 'manual' },
  });

  async function history() {
    const ws = await server.workspace(0, 'free');
    clock.set('2026-11-12T09:00:00Z');
    const upgrade = await server.call('POST', '/v1/subscription', { key: ws.key, body: { plan: 'starter' } });
    expect(upgrade.status).toBe(200);
    clock.set('2026-11-20T09:30:00Z');
    const bought = await server.call('POST', '/v1/purchases', {
      key: ws.key,
      body: { pack: 'pack-500' },
      headers: { 'idempotency-key': 'buy-1' },
    });
    expect(bought.status).toBe(201);
    clock.set('2026-12-10T00:00:00Z');
    await server.call('POST', '/v1/billing/renewals', { key: TEST_ADMIN_KEY });
    return ws;
  }

  it('lists renewals, plan changes and purchases newest first, with the credits each granted', async () => {
    const ws = await history();
    const res = await server.call('GET', '/v1/billing/history', { key: ws.key });
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { kind: string; at: string; credits: number }) => [e.kind, e.at, e.credits])).toEqual(
      [
        ['renewal', '2026-12-10T00:00:00.000Z', 1000],
        ['purchase', '2026-11-20T09:30:00.000Z', 500],
        ['plan_change', '2026-11-12T09:00:00.000Z', 950],
        ['renewal', '2026-11-10T00:00:00.000Z', 50],
      ],
    );
    expect(res.body.items[2]).toMatchObject({
      description: expect.stringContaining('Upgrade from Free to Starter'),
      amount: null,
      documentUrl: null,
    });
  });

  it('exports the same history as CSV', async () => {
    const ws = await history();
    const res = await fetch(`${server.url}/v1/billing/history.csv`, { headers: { authorization: `Bearer ${ws.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('date,kind,description,credits,amount,currency,document_url');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^2026-11-20T09:30:00.000Z,purchase,.*,500,,,$/);
  });

  it('shows a workspace only its own history, and nothing to a caller without a key', async () => {
    await history();
    const other = await server.workspace(0, 'free');
    const res = await server.call('GET', '/v1/billing/history', { key: other.key });
    expect(res.body.items.map((e: { kind: string }) => e.kind)).toEqual(['renewal']);
    expect((await server.call('GET', '/v1/billing/history')).status).toBe(401);
  });
});

import { expect, it } from 'vitest';
import { available, grant, SMALL_PACK_CATALOG, setAutoTopUp } from '../../../test/support/auto-top-up.ts';
import { chargeChats, serveEachTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { PAYER_LEASE_MS, payDue } from './payer.ts';
import { claimDue } from './rows.ts';

const RETURN_URL = 'http://127.0.0.1:9/upgrade';

describeStores('auto top-up with manual payments', (ctx) => {
  const { server, clock } = serveEachTest(ctx, {
    startsAt: '2026-11-20T12:00:00Z',
    catalog: SMALL_PACK_CATALOG,
    config: { payments: 'manual' },
  });

  const pay = () => payDue({ ctx: server.app.ctx, input: { returnUrl: RETURN_URL } });
  /** Charges `chats` 1-credit chats and runs the payer; answers the balance after. */
  const chargeAndPay = async (key: string, chats: number) => {
    await chargeChats(server, key, chats);
    await pay();
    return available(server, key);
  };
  const view = async (key: string) => (await server.call('GET', '/v1/auto-top-up', { key })).body;
  const events = (type: string) =>
    ctx.store.db.selectFrom('webhook_events').select(['data']).where('type', '=', type).execute();

  it('buys the pack once when concurrent charges cross the threshold, and grants it when paid', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5 });
    expect(await chargeChats(server, ws.key, 8)).toEqual(Array(8).fill(201));
    expect(await available(server, ws.key)).toBe(2);
    expect((await view(ws.key)).last).toMatchObject({ status: 'pending', pack: 'pack-5' });

    expect(await pay()).toEqual({ claimed: 1, unreachable: 0 });
    expect(await available(server, ws.key)).toBe(7);
    const after = await view(ws.key);
    expect(after.thisMonth).toEqual({ count: 1 });
    expect(after.last).toMatchObject({ status: 'succeeded', grantId: expect.stringMatching(/^auto-top-up:atu_/) });
    expect(await pay()).toEqual({ claimed: 0, unreachable: 0 });

    const succeeded = await events('auto_top_up.succeeded');
    expect(succeeded.map((event) => JSON.parse(event.data))).toEqual([
      { attemptId: expect.stringMatching(/^atu_/), pack: 'pack-5', credits: 5, grantId: after.last.grantId },
    ]);
  });

  it('lists a paid top-up in the billing history with its credits and price', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5 });
    await chargeChats(server, ws.key, 8);
    await pay();
    const history = await server.call('GET', '/v1/billing/history', { key: ws.key });
    const topUps = history.body.items.filter((item: { kind: string }) => item.kind === 'top_up');
    expect(topUps).toEqual([
      expect.objectContaining({ credits: 5, description: expect.stringContaining('Auto top-up'), documentUrl: null }),
    ]);
    expect(topUps[0].amount).toMatchObject({ currency: expect.any(String), value: expect.any(Number) });
  });

  it('does not buy again below the threshold until the balance has been back at or above it', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5 });
    await chargeChats(server, ws.key, 6);
    expect(await chargeAndPay(ws.key, 1)).toBe(8);
    expect((await view(ws.key)).thisMonth.count).toBe(1);

    expect(await chargeAndPay(ws.key, 4)).toBe(9);
    expect((await view(ws.key)).thisMonth.count).toBe(2);
  });

  it('buys at most maxPerMonth packs a calendar month, and the next month buys again', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5, maxPerMonth: 1 });
    expect(await chargeAndPay(ws.key, 6)).toBe(9);

    expect(await chargeAndPay(ws.key, 6)).toBe(3);
    expect((await view(ws.key)).thisMonth.count).toBe(1);

    clock.set('2026-12-01T00:00:00Z');
    expect(await chargeAndPay(ws.key, 1)).toBe(7);
    expect((await view(ws.key)).thisMonth.count).toBe(1);
  });

  it('counts a balance that rose by other credits as back above the threshold', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 20, pack: 'pack-5' });
    expect(await chargeAndPay(ws.key, 1)).toBe(14);
    expect(await chargeAndPay(ws.key, 1)).toBe(13);

    await grant(server, ws.id, 'more', 10);
    expect(await chargeAndPay(ws.key, 4)).toBe(24);
  });

  it('buys nothing while auto top-up is off', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5, enabled: false });
    await chargeChats(server, ws.key, 8);
    expect(await pay()).toEqual({ claimed: 0, unreachable: 0 });
    expect(await view(ws.key)).not.toHaveProperty('last');
  });

  it('takes over an attempt whose payer died mid-payment once its lease ends, and grants it once', async () => {
    const ws = await server.workspace(10);
    await setAutoTopUp(server, ws.key, { threshold: 5 });
    await chargeChats(server, ws.key, 6);
    // A payer claims the attempt and dies before paying it.
    expect(await claimDue(ctx.store.db, clock.now(), PAYER_LEASE_MS, 10)).toHaveLength(1);
    expect(await pay()).toEqual({ claimed: 0, unreachable: 0 });

    clock.advance(PAYER_LEASE_MS + 1);
    expect(await pay()).toEqual({ claimed: 1, unreachable: 0 });
    expect(await pay()).toEqual({ claimed: 0, unreachable: 0 });
    expect(await available(server, ws.key)).toBe(9);
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { verifyLedger } from '../../ledger/verify-ledger.ts';

describeStores('charges past the queue limit', (ctx) => {
  let server: TestServer;
  /**
   * Once closed, transactions wait here until the first refusal is answered. SQLite finishes each
   * charge before the next request is read, so without it the queue would never build; with it the
   * burst meets a full queue on both stores, every time.
   */
  let gate = Promise.resolve();
  let openGate = () => {};
  const closeGate = () => {
    gate = new Promise((resolve) => {
      openGate = resolve;
    });
  };
  beforeEach(async () => {
    const store: typeof ctx.store = {
      ...ctx.store,
      transaction: async (fn) => {
        await gate;
        return ctx.store.transaction(fn);
      },
    };
    server = await startServer(store, { config: { chargeQueueLimit: 2 } });
  });
  afterEach(() => server.close());

  const charge = async (key: string, id: string) => {
    const reply = await server.call('POST', '/v1/responses', {
      key,
      body: { id, conversationId: `c-${id}`, channel: 'chat', agentId: 'a1' },
    });
    if (reply.status === 503) openGate();
    return reply;
  };

  it('are refused with 503 and Retry-After, record nothing, and charge once when retried', async () => {
    const ws = await server.workspace(1000);
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);

    closeGate();
    const burst = await Promise.all(ids.map((id) => charge(ws.key, id)));
    const refused = ids.filter((_, i) => burst[i]?.status === 503);
    expect(new Set(burst.map((reply) => reply.status))).toEqual(new Set([201, 503]));
    expect(refused.length).toBeGreaterThan(0);
    for (const reply of burst.filter((r) => r.status === 503)) {
      expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(reply.body.error.code).toBe('unavailable');
    }
    // A refused charge recorded nothing: only the acknowledged ones are in the books.
    const recorded = async () =>
      (await ctx.store.db.selectFrom('responses').select('id').where('workspace_id', '=', ws.id).execute()).map(
        (row) => row.id,
      );
    expect((await recorded()).sort()).toEqual(ids.filter((id) => !refused.includes(id)).sort());

    // Retried one at a time, each refused id is charged now, and a second retry answers the same.
    for (const id of refused) {
      const retried = await charge(ws.key, id);
      expect(retried.status).toBe(201);
      expect((await charge(ws.key, id)).body).toEqual(retried.body);
    }

    expect((await recorded()).sort()).toEqual([...ids].sort());
    const balance = await server.call('GET', '/v1/balance', { key: ws.key });
    expect(balance.body.available).toBe(1000 - ids.length);
    expect((await verifyLedger({ ctx: server.app.ctx })).differences).toEqual([]);
  });
});

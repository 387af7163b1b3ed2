import { Catalog } from '../../src/billing/catalog.ts';
import { NO_ALLOCATION_CATALOG, TEST_ADMIN_KEY, type TestServer } from './http.ts';

/** The test catalog with a small pack, so a few 1-credit chats cross a threshold and a top-up lifts them back. */
export const SMALL_PACK_CATALOG = new Catalog({
  ...NO_ALLOCATION_CATALOG.data,
  packs: [
    { id: 'pack-5', name: '5 credits', credits: 5, price: 1, currency: 'usd', validityMonths: 12 },
    ...NO_ALLOCATION_CATALOG.data.packs,
  ],
});

export async function available(server: TestServer, key: string): Promise<number> {
  return (await server.call('GET', '/v1/balance', { key })).body.available;
}

/** The operator grants credits: the balance goes back up without a top-up. */
export async function grant(server: TestServer, workspaceId: string, id: string, credits: number): Promise<void> {
  const reply = await server.call('POST', `/v1/workspaces/${workspaceId}/grants`, {
    key: TEST_ADMIN_KEY,
    body: { id, amount: credits, source: 'promotion', reason: 'test credits' },
  });
  if (reply.status !== 201) throw new Error(`grant: ${reply.status} ${JSON.stringify(reply.body)}`);
}

export const setAutoTopUp = (
  server: TestServer,
  key: string,
  settings: { enabled?: boolean; threshold: number; pack?: string; maxPerMonth?: number },
) =>
  server.call('PUT', '/v1/auto-top-up', {
    key,
    body: { enabled: true, pack: 'pack-5', maxPerMonth: 10, ...settings },
  });

import { expect, it } from 'vitest';
import { MINUTE } from '../../../test/support/clock.ts';
import { serveEachTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';

describeStores('rate cards', (ctx) => {
  const { server, clock } = serveEachTest(ctx, { startsAt: '2026-11-20T10:00:00Z' });
  const admin = { key: TEST_ADMIN_KEY };
  const call = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    conversationId: 'call-1',
    channel: 'call',
    agentId: 'a1',
    features: ['voice:elevenlabs'],
    ...extra,
  });

  it('prices each response by the version in force at its time, and never re-prices recorded ones', async () => {
    const ws = await server.workspace(100);
    await server.call('POST', '/v1/responses', { key: ws.key, body: call('before') });
    const published = await server.call('POST', '/v1/rate-cards', {
      ...admin,
      body: { effectiveAt: '2026-11-20T11:00:00Z', baseCost: 1.25, features: { 'voice:elevenlabs': 1 } },
    });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ version: 2, baseCost: 1.25 });
    clock.advance(90 * MINUTE);
    const after = await server.call('POST', '/v1/responses', { key: ws.key, body: call('after') });
    expect(after.body.cost).toBe(2.25);
    const late = await server.call('POST', '/v1/responses', {
      key: ws.key,
      body: call('late', { occurredAt: '2026-11-20T10:30:00Z' }),
    });
    expect(late.body.cost).toBe(1.5);
    const replay = await server.call('POST', '/v1/responses', { key: ws.key, body: call('before') });
    expect(replay.body.cost).toBe(1.5);
    const cards = await server.call('GET', '/v1/rate-cards', { key: ws.key });
    expect(cards.body.rateCards.map((c: { version: number }) => c.version)).toEqual([1, 2]);
  });

  it('refuses a card that would take effect in the past, and one from a workspace key', async () => {
    const ws = await server.workspace();
    const past = await server.call('POST', '/v1/rate-cards', {
      ...admin,
      body: { effectiveAt: '2026-11-19T00:00:00Z', baseCost: 2, features: {} },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.details.field).toBe('effectiveAt');
    const byWorkspace = await server.call('POST', '/v1/rate-cards', {
      key: ws.key,
      body: { effectiveAt: '2026-12-01T00:00:00Z', baseCost: 2, features: {} },
    });
    expect(byWorkspace.status).toBe(403);
  });
});

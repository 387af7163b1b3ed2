import { expect, it } from 'vitest';
import { SECOND } from '../../test/support/clock.ts';
import { describeStores } from '../../test/support/stores.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PATHS, useTwilioHarness } from '../../test/support/twilio.ts';
import { TWILIO_DEFAULTS } from './twilio-service.ts';

describeStores('the Twilio card', (ctx) => {
  const t = useTwilioHarness(ctx);
  const credentials = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };

  it('says not connected, without asking Twilio, for a workspace that has not connected', async () => {
    expect(await t.service().card({ workspaceId: t.workspaceId })).toEqual({ connected: false, stale: false });
    expect(t.fake.totalRequests).toBe(0);
  });

  it('shows the balance, the 30-day spend split by category, calls and minutes, and a daily series with zero days', async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    const card = await service.card({ workspaceId: t.workspaceId });
    expect(card).toMatchObject({
      connected: true,
      accountSid: ACCOUNT_SID,
      balance: 42.17,
      currency: 'USD',
      // 1.50 + 0.418 + 3.492; the 99.00 of 2026-10-02 is outside the window.
      consoleUrl: 'https://console.twilio.com/',
      last30Days: {
        spend: 5.41,
        currency: 'USD',
        calls: 17,
        callMinutes: 40,
        from: '2026-10-03',
        to: '2026-11-01',
        includesSubaccounts: false,
        // Parents only: calls-inbound and phonenumbers-local are in calls and phonenumbers already.
        byCategory: { calls: 0.56, sms: 0.3, phoneNumbers: 3.4, recordings: 0.1, other: 1.05 },
      },
      asOf: '2026-11-01T12:00:00.000Z',
      stale: false,
      parts: {
        balance: { asOf: '2026-11-01T12:00:00.000Z', stale: false },
        usage: { asOf: '2026-11-01T12:00:00.000Z', stale: false },
      },
    });
    expect(card.problem).toBeUndefined();
    expect(card.daily).toHaveLength(30);
    expect(card.daily?.[0]).toEqual({ date: '2026-10-03', spend: 1.5 });
    expect(card.daily?.[17]).toEqual({ date: '2026-10-20', spend: 0.418 });
    expect(card.daily?.[29]).toEqual({ date: '2026-11-01', spend: 3.492 });
    expect(card.daily?.filter((d) => d.spend !== 0)).toHaveLength(3);
  });

  it.each(['relative', 'absolute'] as const)('follows Twilio paging with %s page links', async (pageLinks) => {
    await t.fake.set({ maxPageSize: 4, pageLinks });
    const service = t.service();
    const card = await service.connect({ workspaceId: t.workspaceId, credentials });
    expect(t.fake.count(PATHS.daily)).toBe(8); // 30 days in pages of 4
    expect(t.fake.count(PATHS.records)).toBe(2); // 7 categories in pages of 4
    expect(card.daily).toHaveLength(30);
    expect(card.daily?.[29]).toEqual({ date: '2026-11-01', spend: 3.492 });
    expect(card.last30Days).toMatchObject({ spend: 5.41, calls: 17, byCategory: { other: 1.05 } });
  });

  it('asks Twilio only for the three resources of a refresh, each once, in ways it describes', async () => {
    await t.service().connect({ workspaceId: t.workspaceId, credentials });
    const refresh = t.fake.requests.filter((r) => r.path !== PATHS.account);
    expect(refresh.map((r) => ({ path: r.path, query: r.query }))).toEqual(
      expect.arrayContaining([
        { path: PATHS.balance, query: {} },
        {
          path: PATHS.records,
          query: { StartDate: '2026-10-03', EndDate: '2026-11-01', IncludeSubaccounts: 'false', PageSize: '1000' },
        },
        {
          path: PATHS.daily,
          query: {
            Category: 'totalprice',
            StartDate: '2026-10-03',
            EndDate: '2026-11-01',
            IncludeSubaccounts: 'false',
            PageSize: '1000',
          },
        },
      ]),
    );
    expect(refresh).toHaveLength(3);
  });

  it('answers from the cache within the TTL and asks Twilio again after it', async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    expect(t.refreshCounts()).toEqual([1, 1, 1]);
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10 * SECOND);
      await service.card({ workspaceId: t.workspaceId });
    }
    expect(t.refreshCounts()).toEqual([1, 1, 1]);
    t.clock.advance(TWILIO_DEFAULTS.ttlMs);
    const later = await service.card({ workspaceId: t.workspaceId });
    expect(t.refreshCounts()).toEqual([2, 2, 2]);
    expect(later).toMatchObject({ stale: false, asOf: t.clock.now().toISOString() });
  });

  it('sends one request per resource however many cards are asked for at once', async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    t.fake.resetCounts();
    await t.fake.set({ delayMs: 100 });
    t.clock.advance(TWILIO_DEFAULTS.ttlMs + SECOND);
    const cards = await Promise.all(Array.from({ length: 20 }, () => service.card({ workspaceId: t.workspaceId })));
    expect(t.refreshCounts()).toEqual([1, 1, 1]);
    expect(t.fake.totalRequests).toBe(3);
    expect(new Set(cards.map((c) => JSON.stringify(c))).size).toBe(1);
    expect(cards[0]).toMatchObject({ stale: false, balance: 42.17 });
  });

  it('shares fresh figures through the database with another process, and keeps them across a restart', async () => {
    await t.service().connect({ workspaceId: t.workspaceId, credentials });
    t.fake.resetCounts();

    const otherProcess = t.service();
    t.clock.advance(10 * SECOND);
    const shared = await otherProcess.card({ workspaceId: t.workspaceId });
    expect(shared).toMatchObject({ stale: false, balance: 42.17, asOf: '2026-11-01T12:00:00.000Z' });
    expect(t.fake.totalRequests).toBe(0);

    await t.fake.set({ failure: 'refused' });
    const restarted = t.service();
    t.clock.advance(TWILIO_DEFAULTS.ttlMs);
    const card = await restarted.card({ workspaceId: t.workspaceId });
    expect(card).toMatchObject({
      connected: true,
      balance: 42.17,
      last30Days: { spend: 5.41, calls: 17 },
      asOf: '2026-11-01T12:00:00.000Z',
      stale: true,
      problem: { code: 'unreachable' },
    });
  });
});

import { expect, it } from 'vitest';
import { SECOND } from '../../test/support/clock.ts';
import { describeStores } from '../../test/support/stores.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PATHS, useTwilioHarness } from '../../test/support/twilio.ts';
import { TWILIO_DEFAULTS } from './twilio-service.ts';

describeStores('the Twilio card', (ctx) => {
  const t = useTwilioHarness(ctx);
  const credentials = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };

  it('says not connected, without asking Twilio, for a workspace that has not connected', async () => {
    expect(await t.service().card(t.workspaceId, t.clock.now())).toEqual({ connected: false, stale: false });
    expect(t.fake.totalRequests).toBe(0);
  });

  it('shows the balance, the 30-day spend, calls and minutes, and a daily series with zero days', async () => {
    const service = t.service();
    await service.connect(t.workspaceId, credentials, t.clock.now());
    const card = await service.card(t.workspaceId, t.clock.now());
    expect(card).toMatchObject({
      connected: true,
      accountSid: ACCOUNT_SID,
      balance: 42.17,
      currency: 'USD',
      // 1.50 + 0.418 + 3.492; the 99.00 of 2026-10-02 is outside the window.
      last30Days: { spend: 5.41, currency: 'USD', calls: 17, callMinutes: 40 },
      asOf: '2026-11-01T12:00:00.000Z',
      stale: false,
    });
    expect(card.problem).toBeUndefined();
    expect(card.daily).toHaveLength(30);
    expect(card.daily?.[0]).toEqual({ date: '2026-10-03', spend: 1.5 });
    expect(card.daily?.[17]).toEqual({ date: '2026-10-20', spend: 0.418 });
    expect(card.daily?.[29]).toEqual({ date: '2026-11-01', spend: 3.492 });
    expect(card.daily?.filter((d) => d.spend !== 0)).toHaveLength(3);
  });

  it('follows Twilio paging for the daily series', async () => {
    await t.fake.set({ maxPageSize: 7 });
    const service = t.service();
    const card = await service.connect(t.workspaceId, credentials, t.clock.now());
    expect(t.fake.count(PATHS.daily)).toBe(5); // 30 days in pages of 7
    expect(card.daily).toHaveLength(30);
    expect(card.daily?.[29]).toEqual({ date: '2026-11-01', spend: 3.492 });
  });

  it('shows a subaccount without a balance but with its spend', async () => {
    const sid = 'AC11111111111111111111111111111111';
    const token = '11111111111111111111111111111111';
    t.fake.addAccount({
      sid,
      authToken: token,
      balance: null,
      usage: { '2026-11-01': { calls: 1, minutes: 2, callPrice: '0.03', totalPrice: '0.05' } },
    });
    const card = await t.service().connect(t.workspaceId, { accountSid: sid, authToken: token }, t.clock.now());
    expect(card.balance).toBeUndefined();
    expect(card).toMatchObject({ last30Days: { spend: 0.05, calls: 1, callMinutes: 2 }, stale: false });
  });

  it('answers from the cache within the TTL and asks Twilio again after it', async () => {
    const service = t.service();
    await service.connect(t.workspaceId, credentials, t.clock.now());
    expect(t.refreshCounts()).toEqual([1, 1, 1, 1]);
    for (let i = 0; i < 5; i++) await service.card(t.workspaceId, t.clock.advance(10 * SECOND));
    expect(t.refreshCounts()).toEqual([1, 1, 1, 1]);
    const later = await service.card(t.workspaceId, t.clock.advance(TWILIO_DEFAULTS.ttlMs));
    expect(t.refreshCounts()).toEqual([2, 2, 2, 2]);
    expect(later).toMatchObject({ stale: false, asOf: t.clock.now().toISOString() });
  });

  it('sends one request per resource however many cards are asked for at once', async () => {
    const service = t.service();
    await service.connect(t.workspaceId, credentials, t.clock.now());
    t.fake.resetCounts();
    await t.fake.set({ delayMs: 100 });
    const now = t.clock.advance(TWILIO_DEFAULTS.ttlMs + SECOND);
    const cards = await Promise.all(Array.from({ length: 20 }, () => service.card(t.workspaceId, now)));
    expect(t.refreshCounts()).toEqual([1, 1, 1, 1]);
    expect(t.fake.totalRequests).toBe(4);
    expect(new Set(cards.map((c) => JSON.stringify(c))).size).toBe(1);
    expect(cards[0]).toMatchObject({ stale: false, balance: 42.17 });
  });

  it('shares fresh figures through the database with another process, and keeps them across a restart', async () => {
    await t.service().connect(t.workspaceId, credentials, t.clock.now());
    t.fake.resetCounts();

    const otherProcess = t.service();
    const shared = await otherProcess.card(t.workspaceId, t.clock.advance(10 * SECOND));
    expect(shared).toMatchObject({ stale: false, balance: 42.17, asOf: '2026-11-01T12:00:00.000Z' });
    expect(t.fake.totalRequests).toBe(0);

    await t.fake.set({ failure: 'refused' });
    const restarted = t.service();
    const card = await restarted.card(t.workspaceId, t.clock.advance(TWILIO_DEFAULTS.ttlMs));
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

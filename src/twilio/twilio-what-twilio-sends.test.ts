import { expect, it } from 'vitest';
import { describeStores } from '../../test/support/stores.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PATHS, useTwilioHarness } from '../../test/support/twilio.ts';

const SUB_SID = 'AC11111111111111111111111111111111';
const SUB_TOKEN = '11111111111111111111111111111111';
const TODAY = '2026-11-01';

describeStores('the Twilio card reads what Twilio may send', (ctx) => {
  const t = useTwilioHarness(ctx);
  const credentials = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };

  it.each(['string', 'number'] as const)('adds prices sent as a %s to the same exact spend', async (priceAs) => {
    await t.fake.set({ priceAs });
    const card = await t.service().connect({ workspaceId: t.workspaceId, credentials });
    expect(card.last30Days).toMatchObject({ spend: 5.41, byCategory: { calls: 0.56, other: 1.05 } });
    expect(card.daily?.[17]).toEqual({ date: '2026-10-20', spend: 0.418 });
    expect(card.problem).toBeUndefined();
  });

  it('shows a price of 1e-7 (a JSON number in exponent form) instead of failing the card', async () => {
    t.fake.addAccount({
      sid: SUB_SID,
      authToken: SUB_TOKEN,
      balance: '5.00',
      usage: { [TODAY]: { calls: 1, minutes: 1, callPrice: '0.0000001', totalPrice: '0.0000001' } },
    });
    await t.fake.set({ priceAs: 'number' });
    const card = await t
      .service()
      .connect({ workspaceId: t.workspaceId, credentials: { accountSid: SUB_SID, authToken: SUB_TOKEN } });
    expect(card).toMatchObject({ balance: 5, stale: false, last30Days: { spend: 1e-7, byCategory: { calls: 1e-7 } } });
    expect(card.daily?.[29]).toEqual({ date: TODAY, spend: 1e-7 });
  });

  it('reads records whose account, dates and currency are null, taking the currency from the balance', async () => {
    await t.fake.set({ nullFields: ['account_sid', 'start_date', 'end_date', 'price_unit'] });
    const card = await t.service().connect({ workspaceId: t.workspaceId, credentials });
    expect(card).toMatchObject({ balance: 42.17, currency: 'USD', stale: false });
    expect(card.last30Days).toMatchObject({ spend: 5.41, currency: 'USD', calls: 17 });
    // Undated records cannot be placed on a day: the series is empty rather than wrong.
    expect(card.daily?.every((d) => d.spend === 0)).toBe(true);
  });

  it('takes the currency from the usage records when the balance has none, and never guesses one', async () => {
    t.fake.addAccount({
      sid: SUB_SID,
      authToken: SUB_TOKEN,
      currency: null,
      usage: { [TODAY]: { calls: 1, minutes: 2, callPrice: '0.03', totalPrice: '0.05' } },
    });
    const sub = { accountSid: SUB_SID, authToken: SUB_TOKEN };
    const card = await t.service().connect({ workspaceId: t.workspaceId, credentials: sub });
    expect(card.currency).toBeUndefined();
    expect(card.last30Days).toMatchObject({ spend: 0.05, currency: 'USD' });

    await t.fake.set({ nullFields: ['price_unit'] });
    t.clock.advance(2 * 60_000);
    const unknown = await t.service().card({ workspaceId: t.workspaceId });
    expect(unknown.last30Days).toBeUndefined();
    expect(unknown.parts?.usage).toMatchObject({ problem: { code: 'unexpected_response' } });
    expect(unknown.parts?.balance).toEqual({ asOf: t.clock.now().toISOString(), stale: false });
  });

  it("counts the connected account's own usage only, not its subaccounts', like its balance", async () => {
    t.fake.addAccount({
      sid: SUB_SID,
      authToken: SUB_TOKEN,
      parentSid: ACCOUNT_SID,
      usage: { [TODAY]: { calls: 50, minutes: 100, callPrice: '20.00', totalPrice: '20.00' } },
    });
    const card = await t.service().connect({ workspaceId: t.workspaceId, credentials });
    expect(card.last30Days).toMatchObject({ spend: 5.41, calls: 17, includesSubaccounts: false });
    const asked = t.fake.requests.filter((r) => r.path === PATHS.records || r.path === PATHS.daily);
    expect(asked.map((r) => r.query.IncludeSubaccounts)).toEqual(['false', 'false']);
  });

  it("shows a subaccount's own spend, and no balance of its own without calling it a problem", async () => {
    t.fake.addAccount({
      sid: SUB_SID,
      authToken: SUB_TOKEN,
      parentSid: ACCOUNT_SID,
      usage: { [TODAY]: { calls: 1, minutes: 2, callPrice: '0.03', totalPrice: '0.05' } },
    });
    const card = await t
      .service()
      .connect({ workspaceId: t.workspaceId, credentials: { accountSid: SUB_SID, authToken: SUB_TOKEN } });
    expect(card.balance).toBeUndefined();
    expect(card.problem).toBeUndefined();
    expect(card).toMatchObject({
      stale: false,
      last30Days: { spend: 0.05, calls: 1, callMinutes: 2 },
      parts: { balance: { stale: false }, usage: { stale: false } },
    });
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FakeTwilioSettings } from '../../test/fakes/twilio-server.ts';
import { SECOND } from '../../test/support/clock.ts';
import { describeStores } from '../../test/support/stores.ts';
import { ACCOUNT_SID, AUTH_TOKEN, useTwilioHarness } from '../../test/support/twilio.ts';
import { TWILIO_DEFAULTS } from './twilio-service.ts';

const PAST_TTL = TWILIO_DEFAULTS.ttlMs + SECOND;

describeStores('the Twilio card when Twilio fails', (ctx) => {
  const t = useTwilioHarness(ctx);
  const credentials = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };
  const lastGood = { balance: 42.17, last30Days: { spend: 5.41, calls: 17 }, asOf: '2026-11-01T12:00:00.000Z' };

  const modes: Array<[string, Partial<FakeTwilioSettings>, string]> = [
    ['rejects the credentials', { failure: 'reject_credentials' }, 'credentials_rejected'],
    ['forbids these credentials', { failure: 'forbidden' }, 'permission_denied'],
    ['rate limits', { failure: 'rate_limited' }, 'rate_limited'],
    ['answers 503', { failure: 'unavailable' }, 'twilio_error'],
    ['answers 500', { failure: 'server_error' }, 'twilio_error'],
    ['answers 404', { failure: 'not_found' }, 'not_found'],
    ['refuses connections', { failure: 'refused' }, 'unreachable'],
    ['is too slow', { delayMs: 5000 }, 'timeout'],
  ];

  it.each(modes)('shows the last figures, stale, when Twilio %s', async (_name, settings, code) => {
    const service = t.service({ timeoutMs: 200 });
    await service.connect({ workspaceId: t.workspaceId, credentials });
    await t.fake.set(settings);
    t.clock.advance(PAST_TTL);
    const card = await service.card({ workspaceId: t.workspaceId });
    expect(card).toMatchObject({
      connected: true,
      accountSid: ACCOUNT_SID,
      ...lastGood,
      stale: true,
      problem: { code },
    });
    expect(card.problem?.message.length).toBeGreaterThan(20);
    expect(card.daily).toHaveLength(30);
  });

  it('tells the customer to reconnect when the credentials are rejected', async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    await t.fake.set({ failure: 'reject_credentials' });
    t.clock.advance(PAST_TTL);
    const card = await service.card({ workspaceId: t.workspaceId });
    expect(card.problem?.message).toMatch(/Reconnect Twilio/);
  });

  const partModes: Array<[string, Partial<FakeTwilioSettings>, string]> = [
    ['answers 404', { failure: 'not_found' }, 'not_found'],
    ['answers 500', { failure: 'server_error' }, 'twilio_error'],
    ['answers 503', { failure: 'unavailable' }, 'twilio_error'],
    ['rate limits', { failure: 'rate_limited' }, 'rate_limited'],
    ['is too slow', { delayMs: 5000 }, 'timeout'],
  ];
  const parts = [
    ['balance', 'usage'],
    ['usage', 'balance'],
  ] as const;

  describe.each(parts)('when only the %s fails', (failing, working) => {
    it.each(partModes)('and Twilio %s, the %s stays current beside it', async (_name, settings, code) => {
      const service = t.service({ timeoutMs: 300 });
      await service.connect({ workspaceId: t.workspaceId, credentials });
      await t.fake.set({ ...settings, affects: failing });
      t.clock.advance(PAST_TTL);
      const card = await service.card({ workspaceId: t.workspaceId });
      const now = t.clock.now().toISOString();
      expect(card.parts?.[working]).toEqual({ asOf: now, stale: false });
      expect(card.parts?.[failing]).toMatchObject({ asOf: '2026-11-01T12:00:00.000Z', stale: true, problem: { code } });
      expect(card).toMatchObject({ ...lastGood, asOf: '2026-11-01T12:00:00.000Z', stale: true, problem: { code } });
      // Nothing a reconnect could fix, so the card does not suggest one.
      expect(card.problem?.message).not.toMatch(/reconnect twilio|reconnect with/i);
    });

    it('shows the other part even when this one never answered', async () => {
      await t.fake.set({ failure: 'not_found', affects: failing });
      const card = await t.service().connect({ workspaceId: t.workspaceId, credentials });
      expect(card.parts?.[working]).toEqual({ asOf: '2026-11-01T12:00:00.000Z', stale: false });
      expect(card.parts?.[failing]).toEqual({ stale: true, problem: expect.objectContaining({ code: 'not_found' }) });
      if (working === 'balance') expect(card).toMatchObject({ balance: 42.17, currency: 'USD' });
      else expect(card.last30Days).toMatchObject({ spend: 5.41, currency: 'USD' });
      expect(working === 'balance' ? card.last30Days : card.balance).toBeUndefined();
    });
  });

  it('answers within the timeout setting while Twilio hangs', async () => {
    const service = t.service({ timeoutMs: 150 });
    await service.connect({ workspaceId: t.workspaceId, credentials });
    await t.fake.set({ delayMs: 10_000 });
    const started = performance.now();
    t.clock.advance(PAST_TTL);
    const card = await service.card({ workspaceId: t.workspaceId });
    const elapsed = performance.now() - started;
    expect(card.problem?.code).toBe('timeout');
    // Bounded by the 150 ms budget, far under the fake's 10 s; the slack only absorbs a loaded machine.
    expect(elapsed).toBeLessThan(3000);
  });

  it('does not ask Twilio again right after a failure, and recovers once it answers', async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    await t.fake.set({ failure: 'unavailable' });
    t.clock.advance(PAST_TTL);
    await service.card({ workspaceId: t.workspaceId });
    const afterFailure = t.fake.totalRequests;

    t.clock.advance(TWILIO_DEFAULTS.retryAfterFailureMs - SECOND);
    const during = await service.card({ workspaceId: t.workspaceId });
    expect(during).toMatchObject({ stale: true, problem: { code: 'twilio_error' } });
    expect(t.fake.totalRequests).toBe(afterFailure);

    await t.fake.set({ failure: 'none' });
    t.clock.advance(2 * SECOND);
    const recovered = await service.card({ workspaceId: t.workspaceId });
    expect(recovered).toMatchObject({ stale: false, asOf: t.clock.now().toISOString() });
    expect(recovered.problem).toBeUndefined();
  });

  it("waits as long as Twilio's Retry-After asks when rate limited", async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    await t.fake.set({ failure: 'rate_limited', retryAfterSeconds: 120 });
    t.clock.advance(PAST_TTL);
    await service.card({ workspaceId: t.workspaceId });
    const afterFailure = t.fake.totalRequests;
    t.clock.advance(100 * SECOND);
    await service.card({ workspaceId: t.workspaceId });
    expect(t.fake.totalRequests).toBe(afterFailure);
    t.clock.advance(30 * SECOND);
    await service.card({ workspaceId: t.workspaceId });
    expect(t.fake.totalRequests).toBeGreaterThan(afterFailure);
  });

  it('shares one failing request among concurrent cards', async () => {
    const service = t.service({ timeoutMs: 200 });
    await service.connect({ workspaceId: t.workspaceId, credentials });
    t.fake.resetCounts();
    await t.fake.set({ failure: 'rate_limited', delayMs: 50 });
    t.clock.advance(PAST_TTL);
    const cards = await Promise.all(Array.from({ length: 20 }, () => service.card({ workspaceId: t.workspaceId })));
    expect(cards.every((c) => c.problem?.code === 'rate_limited' && c.stale)).toBe(true);
    expect(t.fake.totalRequests).toBeLessThanOrEqual(3);
  });

  it('shows the problem without figures when Twilio fails before any figures were kept', async () => {
    const service = t.service();
    await service.connect({ workspaceId: t.workspaceId, credentials });
    await ctx.store.db.deleteFrom('twilio_figures').execute();
    await t.fake.set({ failure: 'refused' });
    const card = await t.service().card({ workspaceId: t.workspaceId });
    const unreachable = expect.objectContaining({ code: 'unreachable' });
    expect(card).toEqual({
      connected: true,
      accountSid: ACCOUNT_SID,
      authKind: 'auth_token',
      connectedAt: '2026-11-01T12:00:00.000Z',
      consoleUrl: 'https://console.twilio.com/',
      stale: true,
      problem: unreachable,
      parts: { balance: { stale: true, problem: unreachable }, usage: { stale: true, problem: unreachable } },
    });
  });

  it('asks for a reconnect, without calling Twilio, when the secret key no longer opens the stored secret', async () => {
    await t.service().connect({ workspaceId: t.workspaceId, credentials });
    t.fake.resetCounts();
    const withOtherKey = t.service({ secretKey: randomBytes(32) });
    t.clock.advance(PAST_TTL);
    const card = await withOtherKey.card({ workspaceId: t.workspaceId });
    expect(card).toMatchObject({ stale: true, balance: 42.17, problem: { code: 'secret_unreadable' } });
    expect(t.fake.totalRequests).toBe(0);
  });
});

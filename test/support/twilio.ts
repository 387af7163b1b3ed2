import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect } from 'vitest';
import { createWorkspace } from '../../src/ledger/workspaces.ts';
import type { Store } from '../../src/store/store.ts';
import { type TwilioLogger, TwilioService, type TwilioServiceOptions } from '../../src/twilio/twilio-service.ts';
import { FakeTwilio, type FakeTwilioAccount, twilioPaths } from '../fakes/twilio-server.ts';
import { TestClock } from './clock.ts';
import { contextAt } from './context.ts';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
export const API_KEY_SID = 'SKfedcba9876543210fedcba9876543210';
export const API_KEY_SECRET = 'kS3cr3tApiK3ySecretValue00000042';
export const OTHER_ACCOUNT_SID = 'ACffffffffffffffffffffffffffffffff';

/**
 * The test account's usage around the default test clock (2026-11-01): three days inside the
 * 30-day window (2026-10-03 … 2026-11-01) and one just before it, which must not be counted.
 * Inside the window: 5.41 in all: calls 0.56, SMS 0.30, phone numbers 3.40, recordings 0.10, other 1.05.
 */
export const TEST_ACCOUNT: FakeTwilioAccount = {
  sid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  apiKeys: { [API_KEY_SID]: API_KEY_SECRET },
  friendlyName: 'Acme Dental',
  balance: '42.17',
  currency: 'USD',
  usage: {
    '2026-10-02': { calls: 100, minutes: 300, callPrice: '4.20', totalPrice: '99.00' },
    '2026-10-03': { calls: 10, minutes: 25, callPrice: '0.35', recordingsPrice: '0.10', totalPrice: '1.50' },
    '2026-10-20': { calls: 5, minutes: 12, callPrice: '0.168', sms: 4, smsPrice: '0.25', totalPrice: '0.418' },
    '2026-11-01': {
      calls: 2,
      minutes: 3,
      callPrice: '0.042',
      sms: 1,
      smsPrice: '0.05',
      phoneNumbersPrice: '3.40',
      totalPrice: '3.492',
    },
  },
};

export const PATHS = twilioPaths(ACCOUNT_SID);

export interface TwilioHarness {
  fake: FakeTwilio;
  clock: TestClock;
  logs: Array<{ details: Record<string, unknown>; message: string }>;
  key: Buffer;
  workspaceId: string;
  service(overrides?: Partial<TwilioServiceOptions>): TwilioService;
  /** Requests per resource of one card refresh, in a fixed order: balance, usage records, daily. */
  refreshCounts(): number[];
}

/** A fake Twilio, a clock both sides share, a workspace, and a way to build services over `ctx.store`. */
export function useTwilioHarness(ctx: { store: Store }): TwilioHarness {
  const harness = { logs: [] } as unknown as TwilioHarness;
  beforeEach(async () => {
    const clock = new TestClock('2026-11-01T12:00:00Z');
    const fake = await FakeTwilio.start({ accounts: [structuredClone(TEST_ACCOUNT)], now: clock.now });
    const logger: TwilioLogger = { warn: (details, message) => harness.logs.push({ details, message }) };
    const key = randomBytes(32);
    const workspace = await createWorkspace({
      ctx: contextAt(ctx.store, clock.now()),
      input: { name: 'Acme', plan: 'free' },
    });
    Object.assign(harness, {
      fake,
      clock,
      key,
      logs: [],
      workspaceId: workspace.id,
      service: (overrides: Partial<TwilioServiceOptions> = {}) =>
        new TwilioService({
          ctx: { store: ctx.store, clock: clock.now },
          secretKey: key,
          baseUrl: fake.url,
          logger,
          ...overrides,
        }),
      refreshCounts: () => [fake.count(PATHS.balance), fake.count(PATHS.records), fake.count(PATHS.daily)],
    });
  });
  afterEach(async () => {
    await harness.fake.stop();
    // Every request Tally made is one Twilio's description allows, and every answer fit its schema.
    expect(harness.fake.invalidRequests).toEqual([]);
    expect(harness.fake.violations).toEqual([]);
  });
  return harness;
}

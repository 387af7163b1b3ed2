import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PATHS, TEST_ACCOUNT } from '../support/twilio.ts';
import { FakeTwilio } from './twilio-server.ts';

const auth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

describe('the fake Twilio answers only what Twilio describes', () => {
  let fake: FakeTwilio;
  beforeEach(async () => {
    fake = await FakeTwilio.start({ accounts: [TEST_ACCOUNT], now: new TestClock('2026-11-01T12:00:00Z').now });
  });
  afterEach(() => fake.stop());

  const get = async (path: string) => {
    const response = await fetch(`${fake.url}${path}`, { headers: { authorization: auth } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers a path Twilio does not have, such as Last30Days, 404 with Twilio’s error body', async () => {
    const { status, body } = await get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Usage/Records/Last30Days.json`);
    expect(status).toBe(404);
    expect(body).toEqual({
      code: 20404,
      message: expect.stringContaining('Last30Days'),
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
    expect(fake.invalidRequests).toHaveLength(1);
  });

  it.each([
    ['an impossible date', 'StartDate=2026-02-30'],
    ['a date in another format', 'EndDate=01/11/2026'],
    ['an unknown parameter', 'Period=last30days'],
    ['a page size over 1000', 'PageSize=5000'],
    ['a non-boolean IncludeSubaccounts', 'IncludeSubaccounts=no'],
  ])('answers %s 400', async (_name, query) => {
    const { status, body } = await get(`${PATHS.records}?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 400, code: expect.any(Number), message: expect.any(String) });
    expect(fake.invalidRequests).toHaveLength(1);
  });

  it('serves every usage sub-list Twilio describes, with bodies that fit its schema', async () => {
    for (const list of ['AllTime', 'Daily', 'LastMonth', 'Monthly', 'ThisMonth', 'Today', 'Yearly', 'Yesterday']) {
      const { status, body } = await get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Usage/Records/${list}.json`);
      expect(status, list).toBe(200);
      expect(Array.isArray(body.usage_records), list).toBe(true);
    }
    await fake.set({ priceAs: 'number', pageLinks: 'absolute' });
    expect((await get(`${PATHS.records}?StartDate=-30days`)).status).toBe(200);
    expect(fake.invalidRequests).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('refuses to send a body that breaks Twilio’s schema, and records it', async () => {
    fake.addAccount({ ...TEST_ACCOUNT, currency: 'dollars' });
    const { status, body } = await get(`${PATHS.records}?Category=calls`);
    expect(status).toBe(500);
    expect(body.message).toMatch(/price_unit/);
    expect(fake.violations).toHaveLength(1);
  });
});

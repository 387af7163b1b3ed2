import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../../test/fakes/twilio-server.ts';
import { bodyProblems } from '../../test/fakes/twilio-spec.ts';
import { TestClock } from '../../test/support/clock.ts';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, TEST_ACCOUNT } from '../../test/support/twilio.ts';
import { TwilioClient, type TwilioCredentials, TwilioRequestError } from './twilio-client.ts';

const tokenAuth: TwilioCredentials = { kind: 'auth_token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };
const signal = () => AbortSignal.timeout(2000);

async function failure(promise: Promise<unknown>): Promise<TwilioRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TwilioRequestError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the Twilio REST client against the fake', () => {
  let fake: FakeTwilio;
  let client: TwilioClient;
  beforeEach(async () => {
    const clock = new TestClock('2026-11-01T12:00:00Z');
    fake = await FakeTwilio.start({ accounts: [TEST_ACCOUNT], now: clock.now });
    client = new TwilioClient({ baseUrl: fake.url, credentials: tokenAuth });
  });
  afterEach(() => fake.stop());

  it('fetches the account and keeps none of its secrets', async () => {
    const account = await client.fetchAccount(signal());
    expect(account).toEqual({ sid: ACCOUNT_SID, friendlyName: 'Acme Dental', status: 'active', type: 'Full' });
    expect(JSON.stringify(account)).not.toContain(AUTH_TOKEN);
  });

  it('reads the balance as Twilio writes it, a decimal string', async () => {
    expect(await client.fetchBalance(signal())).toEqual({ balance: '42.17', currency: 'USD' });
  });

  it('authenticates with an API key SID and secret', async () => {
    const withKey = new TwilioClient({
      baseUrl: fake.url,
      credentials: { kind: 'api_key', accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
    });
    await withKey.fetchBalance(signal());
    expect(fake.requests.at(-1)).toMatchObject({ user: API_KEY_SID, status: 200 });
  });

  it('follows next_page_uri through every page of a list', async () => {
    await fake.set({ maxPageSize: 4 });
    const records = await client.listUsageRecords(
      'Daily',
      { Category: 'totalprice', StartDate: '2026-10-03', EndDate: '2026-11-01' },
      signal(),
    );
    expect(fake.invalidRequests).toEqual([]);
    expect(records).toHaveLength(30);
    expect(records.map((r) => r.startDate)).toEqual([...new Set(records.map((r) => r.startDate))].sort());
    expect(records.find((r) => r.startDate === '2026-10-20')).toMatchObject({ price: '0.418', priceUnit: 'USD' });
    expect(fake.requests).toHaveLength(8);
  });

  it.each([
    [{ failure: 'reject_credentials' as const }, 'credentials_rejected', 401, 20003],
    [{ failure: 'forbidden' as const }, 'forbidden', 403, 20403],
    [{ failure: 'not_found' as const }, 'not_found', 404, 20404],
    [{ failure: 'server_error' as const }, 'twilio_error', 500, 20500],
    [{ failure: 'rate_limited' as const, retryAfterSeconds: 7 }, 'rate_limited', 429, 20429],
    [{ failure: 'unavailable' as const }, 'twilio_error', 503, 20503],
  ])('sorts Twilio error answers (%j) by kind, with its code', async (settings, kind, status, twilioCode) => {
    await fake.set(settings);
    const error = await failure(client.fetchBalance(signal()));
    expect(error.kind).toBe(kind);
    expect(error.details).toMatchObject({ status, twilioCode });
    if (kind === 'rate_limited') expect(error.details.retryAfterMs).toBe(7000);
    expect(error.message).not.toContain(AUTH_TOKEN);
  });

  it('calls a refused connection unreachable and a slow answer a timeout', async () => {
    await fake.set({ delayMs: 1000 });
    expect((await failure(client.fetchBalance(AbortSignal.timeout(100)))).kind).toBe('timeout');
    await fake.set({ delayMs: 0, failure: 'refused' });
    expect((await failure(client.fetchBalance(signal()))).kind).toBe('unreachable');
  });

  it('never sends credentials to a page link on another host', async () => {
    const seen: string[] = [];
    const stub: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(
        JSON.stringify({ usage_records: [], next_page_uri: 'https://elsewhere.example/2010-04-01/steal.json' }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    };
    const stubbed = new TwilioClient({ baseUrl: 'https://api.twilio.com', credentials: tokenAuth, fetch: stub });
    const error = await failure(stubbed.listUsageRecords('Records', { Category: 'calls' }, signal()));
    expect(error.kind).toBe('unexpected_response');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(
      /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Usage\/Records\.json\?Category=calls$/,
    );
  });

  it('reads a usage record whose every nullable field is null, and prices as numbers or strings', async () => {
    const nulls = {
      account_sid: null,
      api_version: null,
      as_of: null,
      category: null,
      count: null,
      count_unit: null,
      description: null,
      end_date: null,
      price: null,
      price_unit: null,
      start_date: null,
      subresource_uris: null,
      uri: null,
      usage: null,
      usage_unit: null,
    };
    const body = {
      first_page_uri: '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Usage/Records.json?Page=0',
      next_page_uri: null,
      page: 0,
      page_size: 50,
      uri: '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Usage/Records.json?Page=0',
      usage_records: [
        nulls,
        { ...nulls, category: 'totalprice', price: 1e-7, price_unit: 'eur' },
        { ...nulls, category: 'calls', price: '0.25', count: '3' },
        { ...nulls, category: 'sms', price: 12.5 },
      ],
    };
    expect(bodyProblems('/2010-04-01/Accounts/{AccountSid}/Usage/Records.json', body)).toEqual([]);
    const stub: typeof fetch = async () => new Response(JSON.stringify(body), { status: 200 });
    const stubbed = new TwilioClient({ baseUrl: 'https://api.twilio.com', credentials: tokenAuth, fetch: stub });
    const records = await stubbed.listUsageRecords('Records', {}, signal());
    expect(records).toEqual([
      {
        category: null,
        startDate: null,
        endDate: null,
        count: '0',
        usage: '0',
        usageUnit: null,
        price: '0',
        priceUnit: null,
      },
      expect.objectContaining({ category: 'totalprice', price: '0.0000001', priceUnit: 'EUR' }),
      expect.objectContaining({ category: 'calls', price: '0.25', count: '3' }),
      expect.objectContaining({ category: 'sms', price: '12.5' }),
    ]);
  });
});

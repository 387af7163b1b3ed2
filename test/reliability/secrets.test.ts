import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretKey, SECRET_KEY_FILE } from '../../src/secrets/secret-key.ts';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, FakeStripe } from '../fakes/stripe-server.ts';
import type { FakeTwilio } from '../fakes/twilio-server.ts';
import { call, field, type Reply } from '../support/http-call.ts';
import { expectStatus, liveFullLife, startTwilioOfBoth } from '../support/workspace-life.ts';
import { recordFigure } from './support/figures.ts';
import {
  ADMIN_KEY,
  type Books,
  REPO_ROOT,
  sqliteBooks,
  startTally,
  type Tally,
  tallyEnv,
} from './support/tally-process.ts';

/*
 * Secrets, end to end, against one real `tally serve` child on SQLite with a fake Twilio and a fake
 * Stripe beside it, and two workspaces each living a full life. The unit tests beside each route
 * prove one rule at a time on an in-process server; this file proves them together, in the process
 * operators run, with the logs it really writes and the database bytes it really leaves on disk.
 * (That one workspace never sees another's data is proved on both stores in the fast suite,
 * src/http/workspace-isolation.test.ts.)
 *
 * - revoked, garbled and under-scoped keys get 401 / 403 with the contract's codes and change nothing;
 * - forged, tampered and stale Stripe events are refused with 400 and change nothing; a genuine one is
 *   handled once;
 * - repeated wrong passwords get 429 with Retry-After; an expired session gets 401;
 * - after all of it, no secret (API keys, admin key, Twilio auth token and API key secret, dashboard
 *   password and session token, the sealing key, Stripe's keys, a webhook signing secret) appears
 *   in the child's stdout/stderr or in the raw bytes of tally.db, tally.db-wal and tally.db-shm.
 */

const RUN = randomBytes(4).toString('hex');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** Every id workspace B chooses carries this, so a leak into A's replies is a plain substring. */
const B_MARK = `bmark-${RUN}`;

const TWILIO_A = { sid: `AC${hex(16)}`, authToken: `TwTokenMarkerA${hex(9)}` };
const TWILIO_WRONG_TOKEN = `TwWrongTokenMarker${hex(7)}`;
const TWILIO_B = {
  sid: `AC${hex(16)}`,
  authToken: `TwTokenMarkerB${hex(9)}`,
  apiKeySid: `SK${hex(16)}`,
  apiKeySecret: `TwApiSecretMarkerB${hex(7)}`,
};
const EMAIL = `owner-${RUN}@alpha.test`;
const PASSWORD = `PwMarker-${hex(8)}`;
const WRONG_PASSWORDS = [`${PASSWORD}x`, `PwWrongMarker-${hex(6)}`, PASSWORD.toUpperCase()];
const SIGN_IN_ATTEMPTS = 3;

interface Key {
  id: string;
  key: string;
  prefix: string;
}

interface Secret {
  name: string;
  value: Buffer;
  /** `logs`: stored on purpose (e.g. the CSRF token, which the page must read back), so only the logs are searched. */
  where: 'everywhere' | 'logs';
}

let books: Books;
let tally: Tally;
let twilio: FakeTwilio;
let stripe: FakeStripe;
let cliOutput = '';
const secrets: Secret[] = [];
const counts = { keyChecks: 0, tamperedRejected: 0 };

const A = { id: '', key: {} as Key, responses: [] as string[], cookie: '', csrf: '', sessionToken: '' };
const B = { id: '', name: `Bravo ${B_MARK}`, key: {} as Key };

function secret(name: string, value: string | Buffer, where: Secret['where'] = 'everywhere'): void {
  secrets.push({ name, value: Buffer.isBuffer(value) ? value : Buffer.from(value), where });
}

function chat(id: string, extra: Record<string, unknown> = {}) {
  return { id, conversationId: 'a-conv', channel: 'chat', agentId: 'a-agent', ...extra };
}

async function issueKey(workspaceId: string, scopes: string[], name: string): Promise<Key> {
  const reply = await call(tally.url, 'POST', `/v1/workspaces/${workspaceId}/keys`, {
    key: ADMIN_KEY,
    body: { scopes, name },
  });
  expectStatus(reply, 201, `issue ${name}`);
  const key = {
    id: field<string>(reply.body, 'id'),
    key: field<string>(reply.body, 'key'),
    prefix: field<string>(reply.body, 'prefix'),
  };
  // The whole key, and its secret part alone (a log that cut the prefix off would still leak it).
  secret(`API key ${name}`, key.key);
  secret(`API key ${name} (secret part)`, key.key.slice(key.prefix.length + 1));
  return key;
}

async function openWorkspace(name: string): Promise<string> {
  const reply = await call(tally.url, 'POST', '/v1/workspaces', { key: ADMIN_KEY, body: { name, plan: 'starter' } });
  expectStatus(reply, 201, `workspace ${name}`);
  return field<string>(reply.body, 'id');
}

/** `tally user create … --password-stdin`, as an operator runs it next to the live server. */
async function createUserWithCli(workspaceId: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'user', 'create', workspaceId, '--email', EMAIL, '--password-stdin'],
    { cwd: REPO_ROOT, env: tallyEnv(books), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk: Buffer) => {
    cliOutput += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    cliOutput += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin.end(`${PASSWORD}\n`);
  expect(await exited, cliOutput).toBe(0);
  expect(cliOutput).toContain(EMAIL);
}

function withDb<T>(fn: (db: SQLite.Database) => T, readonly = true): T {
  const db = new SQLite(join(books.dataDir, 'tally.db'), { readonly, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v));

/** Every balance-bearing row of every workspace, and the Stripe events handled. */
function moneyRows(): string {
  return withDb((db) =>
    json(
      ['ledger_lines', 'grants', 'holds', 'responses', 'stripe_events', 'subscriptions'].map((table) =>
        db.prepare(`select * from "${table}" order by rowid`).all(),
      ),
    ),
  );
}

async function available(key: string): Promise<number> {
  const reply = await call(tally.url, 'GET', '/v1/balance', { key });
  expectStatus(reply, 200, 'balance');
  return field<number>(reply.body, 'available');
}

beforeAll(async () => {
  twilio = await startTwilioOfBoth(TWILIO_A, TWILIO_B);
  // Its events are posted by the test, by hand, so each can be forged first.
  stripe = await FakeStripe.start();
  books = sqliteBooks();
  tally = await startTally(books, {
    TALLY_LOG_LEVEL: 'trace',
    TALLY_TWILIO_API_URL: twilio.url,
    TALLY_STRIPE_API_URL: stripe.url,
    TALLY_STRIPE_SECRET_KEY: FAKE_STRIPE_SECRET_KEY,
    TALLY_STRIPE_WEBHOOK_SECRET: FAKE_STRIPE_WEBHOOK_SECRET,
    TALLY_SIGN_IN_ATTEMPTS: String(SIGN_IN_ATTEMPTS),
  });

  secret('admin key', ADMIN_KEY);
  secret('Stripe secret key', FAKE_STRIPE_SECRET_KEY);
  secret('Stripe webhook secret', FAKE_STRIPE_WEBHOOK_SECRET);
  const hook = await call(tally.url, 'POST', '/v1/webhooks', {
    key: ADMIN_KEY,
    body: { url: 'http://127.0.0.1:9/tally-events', events: ['credits.low'] },
  });
  expectStatus(hook, 201, 'webhook subscription');
  secret('webhook signing secret', field<string>(hook.body, 'secret'));
  const sealingKey = readFileSync(join(books.dataDir, SECRET_KEY_FILE), 'utf8').trim();
  secret('sealing key (as written)', sealingKey);
  secret('sealing key (raw bytes)', parseSecretKey(sealingKey, SECRET_KEY_FILE));
  secret('Twilio auth token A', TWILIO_A.authToken);
  secret('Twilio auth token A (Basic auth)', Buffer.from(`${TWILIO_A.sid}:${TWILIO_A.authToken}`).toString('base64'));
  secret('Twilio auth token refused', TWILIO_WRONG_TOKEN);
  secret('Twilio API key secret B', TWILIO_B.apiKeySecret);
  secret(
    'Twilio API key secret B (Basic auth)',
    Buffer.from(`${TWILIO_B.apiKeySid}:${TWILIO_B.apiKeySecret}`).toString('base64'),
  );
  secret('dashboard password', PASSWORD);
  for (const [i, wrong] of WRONG_PASSWORDS.entries()) secret(`wrong password ${i}`, wrong);

  [A.id, B.id] = await Promise.all([openWorkspace(`Alpha ${RUN}`), openWorkspace(B.name)]);
  [A.key, B.key] = await Promise.all([
    issueKey(A.id, ['ingest', 'read', 'admin'], 'alpha-all'),
    issueKey(B.id, ['ingest', 'read', 'admin'], 'bravo-all'),
  ]);
  const userCreated = createUserWithCli(A.id);

  // B's life: a conversation, two charged responses, a hold, an agent, Twilio by API key, a
  // threshold, a checkout it has not paid yet, and a dashboard link.
  const bLife = await liveFullLife(tally.url, B.key.key, B_MARK, TWILIO_B);
  secret('dashboard link token B', bLife.linkToken);

  // A's own life: a response, Twilio by auth token after a refused attempt.
  const aCharge = await call(tally.url, 'POST', '/v1/responses', { key: A.key.key, body: chat('a-resp-1') });
  expectStatus(aCharge, 201, 'A charge');
  A.responses.push('a-resp-1');
  const refused = await call(tally.url, 'PUT', '/v1/twilio', {
    key: A.key.key,
    body: { accountSid: TWILIO_A.sid, authToken: TWILIO_WRONG_TOKEN },
  });
  expectStatus(refused, 400, 'A Twilio refused');
  expect(field(refused.body, 'error', 'code')).toBe('twilio_credentials_rejected');
  expect(refused.text).not.toContain(TWILIO_WRONG_TOKEN);
  const connected = await call(tally.url, 'PUT', '/v1/twilio', {
    key: A.key.key,
    body: { accountSid: TWILIO_A.sid, authToken: TWILIO_A.authToken },
  });
  expectStatus(connected, 200, 'A Twilio');
  expect(field(connected.body, 'connected')).toBe(true);
  expect(connected.text).not.toContain(TWILIO_A.authToken);

  await userCreated;
  const signedIn = await call(tally.url, 'POST', '/v1/session', { body: { email: EMAIL, password: PASSWORD } });
  expectStatus(signedIn, 200, 'sign in');
  const setCookie = signedIn.headers.get('set-cookie') ?? '';
  A.cookie = setCookie.split(';')[0] ?? '';
  A.sessionToken = A.cookie.slice(A.cookie.indexOf('=') + 1);
  expect(A.sessionToken.length).toBeGreaterThan(30);
  A.csrf = field<string>(signedIn.body, 'csrfToken');
  secret('session token', A.sessionToken);
  secret('CSRF token', A.csrf, 'logs');
});

afterAll(async () => {
  await tally?.kill('SIGKILL');
  await stripe?.stop();
  await twilio?.stop();
  await books?.remove();
});

describe('one Tally process, two workspaces', () => {
  it('refuses revoked, garbled and under-scoped keys with 401 and 403, and records nothing', async () => {
    const before = moneyRows();
    const readOnly = await issueKey(A.id, ['read'], 'alpha-read');
    const ingestOnly = await issueKey(A.id, ['ingest'], 'alpha-ingest');
    const doomed = await issueKey(A.id, ['ingest', 'read', 'admin'], 'alpha-doomed');

    const expectError = (reply: Reply, status: number, code: string, label: string) => {
      counts.keyChecks++;
      expectStatus(reply, status, label);
      expect(field(reply.body, 'error', 'code'), label).toBe(code);
    };

    // Revoked: works, is revoked, fails on the very next request, for reads and writes alike.
    expectStatus(await call(tally.url, 'GET', '/v1/balance', { key: doomed.key }), 200, 'before revoke');
    const revoked = await call(tally.url, 'DELETE', `/v1/workspaces/${A.id}/keys/${doomed.id}`, { key: ADMIN_KEY });
    expectStatus(revoked, 204, 'revoke');
    expectError(await call(tally.url, 'GET', '/v1/balance', { key: doomed.key }), 401, 'unauthorized', 'revoked read');
    expectError(
      await call(tally.url, 'POST', '/v1/responses', { key: doomed.key, body: chat('by-revoked') }),
      401,
      'unauthorized',
      'revoked write',
    );
    const listed = await call(tally.url, 'GET', `/v1/workspaces/${A.id}/keys`, { key: ADMIN_KEY });
    expect(field<Array<{ id: string; revokedAt: string | null }>>(listed.body, 'keys')).toContainEqual(
      expect.objectContaining({ id: doomed.id, revokedAt: expect.any(String) }),
    );
    expect(listed.text).not.toContain(doomed.key);

    // Scopes: a clear 403 naming the scope the route needs.
    const scoped: Array<[Key, string, string, unknown, string]> = [
      [readOnly, 'POST', '/v1/responses', chat('by-read-key'), 'ingest'],
      [readOnly, 'POST', '/v1/reservations', {}, 'ingest'],
      [readOnly, 'PUT', '/v1/alerts/threshold', { percent: 50 }, 'admin'],
      [readOnly, 'POST', '/v1/purchases', { pack: 'pack-500' }, 'admin'],
      [ingestOnly, 'GET', '/v1/balance', undefined, 'read'],
      [ingestOnly, 'GET', '/v1/usage/export.csv', undefined, 'read'],
      [ingestOnly, 'POST', `/v1/responses/${A.responses[0]}/refund`, { reason: 'x' }, 'admin'],
      [ingestOnly, 'PUT', '/v1/twilio', { accountSid: TWILIO_A.sid, authToken: TWILIO_A.authToken }, 'admin'],
      [ingestOnly, 'DELETE', '/v1/twilio', undefined, 'admin'],
    ];
    for (const [key, method, path, body, scope] of scoped) {
      const reply = await call(tally.url, method, path, { key: key.key, body });
      expectError(reply, 403, 'forbidden', `${method} ${path} with ${key.prefix}`);
      expect(field(reply.body, 'error', 'details')).toEqual({ requiredScope: scope });
      expect(field<string>(reply.body, 'error', 'message')).toContain(`"${scope}" scope`);
    }
    expectStatus(await call(tally.url, 'GET', '/v1/balance', { key: readOnly.key }), 200, 'read key reads');
    // The wrong kind of key: a workspace key on the operator's routes, the operator key on a workspace's.
    expectError(
      await call(tally.url, 'POST', '/v1/workspaces', { key: A.key.key, body: { name: 'x', plan: 'free' } }),
      403,
      'forbidden',
      'workspace key creates a workspace',
    );
    expectError(await call(tally.url, 'GET', '/v1/balance', { key: ADMIN_KEY }), 403, 'forbidden', 'operator reads');

    // Garbled: near misses of real keys, other schemes, nothing at all.
    const flip = (key: string) => `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const garbled: Array<[string, Record<string, string>]> = [
      ['no header', {}],
      ['made-up key', { authorization: `Bearer tally_${hex(6)}_${hex(32)}` }],
      ['last character changed', { authorization: `Bearer ${flip(A.key.key)}` }],
      ['truncated', { authorization: `Bearer ${A.key.key.slice(0, -2)}` }],
      ['extended', { authorization: `Bearer ${A.key.key}x` }],
      ['prefix only', { authorization: `Bearer ${A.key.prefix}` }],
      ['admin key changed', { authorization: `Bearer ${flip(ADMIN_KEY)}` }],
      ['Basic scheme', { authorization: `Basic ${Buffer.from(`${A.key.key}:`).toString('base64')}` }],
      ['no scheme', { authorization: A.key.key }],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['4 KB of junk', { authorization: `Bearer ${'x'.repeat(4096)}` }],
      ['session token as a key', { authorization: `Bearer ${A.sessionToken}` }],
      ['forged session cookie', { cookie: `tally_session=${hex(32)}` }],
    ];
    for (const [label, headers] of garbled) {
      expectError(await call(tally.url, 'GET', '/v1/balance', { headers }), 401, 'unauthorized', `${label}: read`);
      expectError(
        await call(tally.url, 'POST', '/v1/responses', { headers, body: chat(`garbled-${counts.keyChecks}`) }),
        401,
        'unauthorized',
        `${label}: write`,
      );
    }
    // Nothing any refused key tried was recorded.
    expect(moneyRows()).toBe(before);
  });

  it('refuses forged, tampered and stale Stripe events with 400 and changes nothing; a genuine one counts once', async () => {
    const started = await call(tally.url, 'POST', '/v1/purchases', { key: A.key.key, body: { pack: 'pack-500' } });
    expectStatus(started, 200, 'A checkout');
    const url = field<string>(started.body, 'checkoutUrl');
    await stripe.pay(url.slice(url.lastIndexOf('/') + 1));
    const event = [...stripe.events.values()].at(-1) as {
      id: string;
      data: { object: { metadata: Record<string, string> } };
    };
    expect(event.data.object.metadata.tally_workspace).toBe(A.id);
    const payload = JSON.stringify(event);
    const variant = (metadata: Record<string, string>) =>
      JSON.stringify({ ...event, data: { object: { ...event.data.object, metadata } } });
    const genuine = stripe.signature(payload);
    const [timestamp = '', v1 = ''] = genuine.split(',');
    const before = moneyRows();
    const aBefore = await available(A.key.key);
    const bBefore = await available(B.key.key);

    const post = (body: string, signature?: string) =>
      call(tally.url, 'POST', '/v1/stripe/webhook', {
        raw: body,
        headers: {
          'content-type': 'application/json',
          ...(signature === undefined ? {} : { 'stripe-signature': signature }),
        },
      });
    const forgeries: Array<[string, string, string | undefined]> = [
      ['no signature', payload, undefined],
      ['empty signature', payload, ''],
      ['garbage signature', payload, 't=abc,v1=zz'],
      ['signed with another secret', payload, stripe.signature(payload, `whsec_${hex(16)}`)],
      [
        'more credits than were paid',
        variant({ ...event.data.object.metadata, tally_millicredits: '500000000' }),
        genuine,
      ],
      ['re-addressed to workspace B', variant({ ...event.data.object.metadata, tally_workspace: B.id }), genuine],
      ['a day old', payload, stripe.signature(payload, undefined, new Date(Date.now() - 86_400_000))],
      ['v0 scheme only', payload, `${timestamp},v0=${v1.slice(3)}`],
      ["another event's signature", payload, stripe.signature(variant({}))],
    ];
    for (const [label, body, signature] of forgeries) {
      const reply = await post(body, signature);
      counts.tamperedRejected++;
      expectStatus(reply, 400, label);
      expect(field(reply.body, 'error', 'code'), label).toBe('invalid_request');
      expect(reply.text).not.toContain(FAKE_STRIPE_WEBHOOK_SECRET);
    }
    expect(moneyRows()).toBe(before);
    expect(await available(A.key.key)).toBe(aBefore);
    expect(await available(B.key.key)).toBe(bBefore);

    const accepted = await post(payload, genuine);
    expectStatus(accepted, 200, 'genuine event');
    expect(accepted.body).toMatchObject({ received: true, id: event.id, duplicate: false });
    expect(await available(A.key.key)).toBe(aBefore + 500);
    const again = await post(payload, stripe.signature(payload));
    expectStatus(again, 200, 'redelivered event');
    expect(again.body).toMatchObject({ duplicate: true });
    expect(await available(A.key.key)).toBe(aBefore + 500);
    expect(await available(B.key.key)).toBe(bBefore);
  });

  it('limits wrong passwords with 429 and Retry-After, and ends an expired session with 401', async () => {
    const me = await call(tally.url, 'GET', '/v1/session', { headers: { cookie: A.cookie } });
    expectStatus(me, 200, 'session');
    for (const wrong of WRONG_PASSWORDS.slice(0, SIGN_IN_ATTEMPTS)) {
      const reply = await call(tally.url, 'POST', '/v1/session', { body: { email: EMAIL, password: wrong } });
      expectStatus(reply, 401, 'wrong password');
      expect(reply.headers.get('set-cookie')).toBeNull();
    }
    // Over the limit even the right password waits, and says how long.
    const limited = await call(tally.url, 'POST', '/v1/session', { body: { email: EMAIL, password: PASSWORD } });
    expectStatus(limited, 429, 'over the limit');
    expect(field(limited.body, 'error', 'code')).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(limited.headers.get('set-cookie')).toBeNull();
    // A session opened before is not affected.
    expectStatus(await call(tally.url, 'GET', '/v1/balance', { headers: { cookie: A.cookie } }), 200, 'live session');

    // TALLY_SESSION_IDLE_MINUTES is at least 1 minute; instead of waiting, the session's expiry is
    // moved into the past in the database, as time passing would, and the running process must refuse it.
    const sessionId = createHash('sha256').update(A.sessionToken).digest('hex');
    const aged = withDb(
      (db) => db.prepare('update sessions set expires_at = ? where id = ?').run(Date.now() - 1000, sessionId).changes,
      false,
    );
    expect(aged).toBe(1);
    const expired = await call(tally.url, 'GET', '/v1/session', { headers: { cookie: A.cookie } });
    expectStatus(expired, 401, 'expired session');
    expect(field(expired.body, 'error', 'code')).toBe('unauthorized');
    expectStatus(await call(tally.url, 'GET', '/v1/balance', { headers: { cookie: A.cookie } }), 401, 'expired read');
    const left = withDb((db) => db.prepare('select count(*) as n from sessions where id = ?').get(sessionId));
    expect(left).toEqual({ n: 0 });
  });

  it('leaves no secret in its logs or in the database files, and answered no request with a 5xx', async () => {
    const dataFiles = () =>
      readdirSync(books.dataDir)
        .filter((name) => name !== SECRET_KEY_FILE)
        .map((name) => ({ name, bytes: readFileSync(join(books.dataDir, name)) }));
    // While it runs (the WAL still holds the recent pages), then after a clean stop (checkpointed).
    const running = dataFiles();
    expect(running.map((file) => file.name)).toEqual(
      expect.arrayContaining(['tally.db', 'tally.db-wal', 'tally.db-shm']),
    );
    await tally.kill('SIGTERM');
    const stopped = dataFiles();
    const logs = Buffer.from(`${tally.output()}\n${cliOutput}`);
    const haystacks = [
      { name: 'logs', bytes: logs, logs: true },
      ...running.map((file) => ({ name: `${file.name} (running)`, bytes: file.bytes, logs: false })),
      ...stopped.map((file) => ({ name: `${file.name} (stopped)`, bytes: file.bytes, logs: false })),
    ];

    // The search does see what is really there: things stored or logged on purpose are found.
    const db = Buffer.concat(haystacks.filter((h) => !h.logs).map((h) => h.bytes));
    expect(db.includes(EMAIL)).toBe(true);
    expect(db.includes(A.key.prefix)).toBe(true);
    expect(db.includes(TWILIO_A.sid)).toBe(true);
    expect(db.includes(A.csrf)).toBe(true);
    expect(logs.includes('"msg":"request"')).toBe(true);

    const found: string[] = [];
    for (const { name, value, where } of secrets) {
      for (const haystack of haystacks) {
        if (where === 'logs' && !haystack.logs) continue;
        if (haystack.bytes.includes(value)) found.push(`${name} in ${haystack.name}`);
      }
    }
    expect(found).toEqual([]);

    const lines = tally
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; status?: number; level?: number });
    const requests = lines.filter((line) => line.msg === 'request');
    // The log really holds this file's traffic (about 90 requests), so finding no secret in it means something.
    expect(requests.length).toBeGreaterThan(60);
    expect(requests.filter((line) => (line.status ?? 0) >= 500)).toEqual([]);
    expect(lines.filter((line) => (line.level ?? 0) >= 50)).toEqual([]);

    const bytesScanned = haystacks.reduce((sum, haystack) => sum + haystack.bytes.length, 0);
    recordFigure('secrets', {
      ...counts,
      secretsSearched: secrets.length,
      placesSearched: haystacks.length,
      bytesScanned,
      logBytes: logs.length,
      requestsLogged: requests.length,
    });
  });
});

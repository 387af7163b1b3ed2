import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../../test/support/clock.ts';
import { type ServeOptions, serverPerTest } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { createUser } from '../../users/users.ts';

const PASSWORD = 'correct horse battery';

let webDir: string;
beforeAll(() => {
  webDir = mkdtempSync(join(tmpdir(), 'tally-web-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Tally</title><div id="root"></div>');
  writeFileSync(join(webDir, 'assets', 'app-1234.js'), 'console.log(1)');
});
afterAll(() => rmSync(webDir, { recursive: true, force: true }));

describeStores('dashboard sign-in', (ctx) => {
  const { server, clock, start: serve } = serverPerTest(ctx);

  async function start(overrides: ServeOptions = {}) {
    await serve({ startsAt: '2026-11-01T12:00:00Z', ...overrides, config: { webDir, ...overrides.config } });
    const ws = await server.workspace(25);
    await createUser({
      ctx: server.app.ctx,
      input: { workspaceId: ws.id, email: 'Owner@Example.com', password: PASSWORD },
    });
    return ws;
  }

  async function signIn(email = 'owner@example.com', password = PASSWORD) {
    const res = await server.call('POST', '/v1/session', { body: { email, password } });
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { res, setCookie, cookie: setCookie.split(';')[0] ?? '', csrf: res.body?.csrfToken as string };
  }

  it('signs in with email and password and reads the workspace with the session cookie', async () => {
    const ws = await start();
    const { res, setCookie, cookie } = await signIn('  OWNER@example.com ');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email: 'owner@example.com' }, workspace: { id: ws.id } });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // The token names its workspace, so the session is found by its key (workspace_id, id).
    expect(setCookie).toMatch(new RegExp(`^tally_session=${ws.id}\\.[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).not.toContain('Secure');
    const balance = await server.call('GET', '/v1/balance', { headers: { cookie } });
    expect(balance.status).toBe(200);
    expect(balance.body.available).toBe(25);
    const me = await server.call('GET', '/v1/session', { headers: { cookie } });
    expect(me.body).toEqual(res.body);
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    await start({ config: { publicUrl: 'https://tally.example.com' } });
    expect((await signIn()).setCookie).toContain('Secure');
  });

  it('answers a wrong password and an unknown email alike, with 401 and no cookie', async () => {
    await start();
    const wrong = await signIn('owner@example.com', 'not the password');
    const unknown = await signIn('nobody@example.com', PASSWORD);
    for (const attempt of [wrong, unknown]) {
      expect(attempt.res.status).toBe(401);
      expect(attempt.res.body.error).toMatchObject({
        code: 'unauthorized',
        message: 'The email or password is not right.',
      });
      expect(attempt.setCookie).toBe('');
    }
    expect((await server.call('GET', '/v1/session')).status).toBe(401);
  });

  it('refuses a write made with the cookie but without the CSRF token', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const without = await server.call('DELETE', '/v1/session', { headers: { cookie } });
    expect(without.status).toBe(403);
    expect(without.body.error.details).toEqual({ reason: 'csrf_token_missing_or_wrong' });
    const wrong = await server.call('DELETE', '/v1/session', { headers: { cookie, 'x-csrf-token': `${csrf}x` } });
    expect(wrong.status).toBe(403);
    const right = await server.call('DELETE', '/v1/session', { headers: { cookie, 'x-csrf-token': csrf } });
    expect(right.status).toBe(204);
  });

  it('signs out: the cookie is cleared and no longer works', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const out = await server.call('DELETE', '/v1/session', { headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.headers.get('set-cookie')).toMatch(/tally_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await server.call('GET', '/v1/balance', { headers: { cookie } })).status).toBe(401);
  });

  it('gives a session read and admin but not ingest', async () => {
    await start();
    const { cookie, csrf } = await signIn();
    const res = await server.call('POST', '/v1/responses', {
      headers: { cookie, 'x-csrf-token': csrf },
      body: { id: 'r1', conversationId: 'c1', channel: 'chat', agentId: 'a1' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.details).toEqual({ requiredScope: 'ingest' });
  });

  it('ends a session left idle for 12 hours', async () => {
    await start();
    const { cookie } = await signIn();
    clock.advance(11 * HOUR);
    expect((await server.call('GET', '/v1/balance', { headers: { cookie } })).status).toBe(200);
    clock.advance(11 * HOUR);
    expect((await server.call('GET', '/v1/balance', { headers: { cookie } })).status).toBe(200);
    clock.advance(12 * HOUR + MINUTE);
    expect((await server.call('GET', '/v1/balance', { headers: { cookie } })).status).toBe(401);
  });

  it('ends a session 7 days after sign-in however much it is used', async () => {
    await start();
    const { cookie } = await signIn();
    for (let hours = 0; hours < 7 * 24 - 10; hours += 10) {
      clock.advance(10 * HOUR);
      expect((await server.call('GET', '/v1/session', { headers: { cookie } })).status).toBe(200);
    }
    clock.advance(10 * HOUR);
    expect((await server.call('GET', '/v1/session', { headers: { cookie } })).status).toBe(401);
  });

  it('answers 429 with Retry-After after too many attempts, even for the right password', async () => {
    await start({ config: { signInAttempts: 3 } });
    for (let i = 0; i < 3; i++) expect((await signIn('owner@example.com', 'wrong password')).res.status).toBe(401);
    const limited = await signIn();
    expect(limited.res.status).toBe(429);
    expect(limited.res.body.error.code).toBe('rate_limited');
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(800);
    clock.advance(15 * MINUTE);
    expect((await signIn()).res.status).toBe(200);
  });

  it('counts parallel guesses exactly, so a burst cannot pass the limit', async () => {
    await start({ config: { signInAttempts: 5 } });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => signIn('owner@example.com', 'wrong password').then((a) => a.res.status)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  });

  it('keeps a bearer key working and ignores a cookie sent beside it', async () => {
    const ws = await start();
    const res = await server.call('POST', '/v1/conversations', {
      key: ws.key,
      headers: { cookie: 'tally_session=forged' },
      body: { id: 'c1', channel: 'chat', agentId: 'a1' },
    });
    expect(res.status).toBe(201);
  });

  it('serves the dashboard for page paths, and JSON 404s for unknown API paths', async () => {
    await start();
    for (const path of ['/', '/upgrade', '/some/page']) {
      const page = await server.call('GET', path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const asset = await server.call('GET', '/assets/app-1234.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const api = await server.call('GET', '/v1/nothing-here');
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('not_found');
    expect((await server.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const docs = await server.call('GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('swagger');
    expect((await server.call('GET', '/openapi.json')).body.paths['/v1/session']).toBeDefined();
  });
});

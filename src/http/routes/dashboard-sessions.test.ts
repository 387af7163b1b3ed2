import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND } from '../../../test/support/clock.ts';
import { type ServeOptions, serverPerTest, TEST_ADMIN_KEY } from '../../../test/support/http.ts';
import { describeStores } from '../../../test/support/stores.ts';
import { createLogger } from '../../logger.ts';
import { linkExpiredPage } from './link-expired-page.ts';

let webDir: string;
beforeAll(() => {
  webDir = mkdtempSync(join(tmpdir(), 'tally-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Tally</title><div id="root"></div>');
});
afterAll(() => rmSync(webDir, { recursive: true, force: true }));

const RETURN_URL = 'https://app.example.com/settings/usage';

async function open(url: string) {
  const response = await fetch(url, { redirect: 'manual' });
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { response, setCookie, cookie: setCookie.split(';')[0] ?? '', text: await response.text() };
}

describeStores('dashboard sessions for a host platform', (ctx) => {
  const { server, clock, start: serve } = serverPerTest(ctx);

  async function start(overrides: ServeOptions = {}) {
    await serve({ startsAt: '2026-11-01T12:00:00Z', ...overrides, config: { webDir, ...overrides.config } });
    return server.workspace(10);
  }

  async function link(workspaceId: string, body: Record<string, unknown> = {}) {
    const res = await server.call('POST', `/v1/workspaces/${workspaceId}/dashboard-sessions`, {
      key: TEST_ADMIN_KEY,
      body,
    });
    expect(res.status).toBe(201);
    return res.body as { url: string; expiresAt: string };
  }

  async function signedIn(workspaceId: string, body: Record<string, unknown> = {}) {
    const opened = await open((await link(workspaceId, body)).url);
    const me = await server.call('GET', '/v1/session', { headers: { cookie: opened.cookie } });
    return { cookie: opened.cookie, csrf: me.body.csrfToken as string, me };
  }

  const linkCount = async () =>
    Number(
      (
        await ctx.store.db
          .selectFrom('dashboard_links')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('gives the operator a one-time link that signs a browser in as a viewer and lands on the Usage page', async () => {
    const ws = await start();
    const created = await link(ws.id, { returnUrl: RETURN_URL });
    expect(created.url).toMatch(new RegExp(`^${server.url}/v1/dashboard-links/${ws.id}/[A-Za-z0-9_-]{43}$`));
    expect(created.expiresAt).toBe(new Date(clock.now().getTime() + 300 * SECOND).toISOString());

    const first = await open(created.url);
    expect(first.response.status).toBe(303);
    expect(first.response.headers.get('location')).toBe('/');
    expect(first.response.headers.get('cache-control')).toBe('no-store');
    // The token names its workspace, so the session is found by its key (workspace_id, id).
    expect(first.setCookie).toMatch(new RegExp(`^tally_session=${ws.id}\\.[A-Za-z0-9_-]{43};`));
    expect(first.setCookie).toContain('HttpOnly');
    expect(first.setCookie).toContain('SameSite=Lax');

    const me = await server.call('GET', '/v1/session', { headers: { cookie: first.cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: null, workspace: { id: ws.id }, role: 'viewer', returnUrl: RETURN_URL });
    const balance = await server.call('GET', '/v1/balance', { headers: { cookie: first.cookie } });
    expect(balance.body.available).toBe(10);
  });

  it('opens a link once: the second open is a 410 page that signs nobody in and points back', async () => {
    const ws = await start();
    const { url } = await link(ws.id, { returnUrl: RETURN_URL });
    expect((await open(url)).response.status).toBe(303);
    const again = await open(url);
    expect(again.response.status).toBe(410);
    expect(again.response.headers.get('content-type')).toContain('text/html');
    expect(again.setCookie).toBe('');
    expect(again.text).toContain('This link has expired');
    expect(again.text).toContain(`href="${RETURN_URL}"`);
    expect(again.text).toContain('Back to app.example.com');
  });

  it('lets exactly one of many concurrent opens of the same link through', async () => {
    const ws = await start();
    const { url } = await link(ws.id);
    const opens = await Promise.all(Array.from({ length: 8 }, () => open(url)));
    const statuses = opens.map((o) => o.response.status).sort();
    expect(statuses).toEqual([303, 410, 410, 410, 410, 410, 410, 410]);
    const sessions = await ctx.store.db.selectFrom('sessions').select(['role', 'user_id']).execute();
    expect(sessions).toEqual([{ role: 'viewer', user_id: null }]);
  });

  it('refuses a link opened after its expiry, and one with a wrong or foreign token', async () => {
    const ws = await start();
    const other = await server.workspace();
    const { url } = await link(ws.id, { ttlSeconds: 60 });
    clock.advance(60 * SECOND);
    expect((await open(url)).response.status).toBe(410);

    const fresh = await link(ws.id);
    const token = fresh.url.split('/').at(-1) ?? '';
    expect((await open(`${server.url}/v1/dashboard-links/${other.id}/${token}`)).response.status).toBe(410);
    expect((await open(`${server.url}/v1/dashboard-links/${ws.id}/${'x'.repeat(43)}`)).response.status).toBe(410);
    expect((await open(fresh.url)).response.status).toBe(303);
    expect(await ctx.store.db.selectFrom('sessions').select('id').execute()).toHaveLength(1);
  });

  it("lets a workspace's admin key make links for its own workspace only", async () => {
    const ws = await start();
    const other = await server.workspace();
    const own = await server.call('POST', '/v1/dashboard-sessions', { key: ws.key, body: { role: 'admin' } });
    expect(own.status).toBe(201);
    expect(own.body.url).toContain(`/v1/dashboard-links/${ws.id}/`);
    const byId = await server.call('POST', `/v1/workspaces/${ws.id}/dashboard-sessions`, { key: ws.key, body: {} });
    expect(byId.status).toBe(201);

    const foreign = await server.call('POST', `/v1/workspaces/${other.id}/dashboard-sessions`, {
      key: ws.key,
      body: {},
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    const unknown = await server.call('POST', '/v1/workspaces/ws_nope/dashboard-sessions', {
      key: TEST_ADMIN_KEY,
      body: {},
    });
    expect(unknown.status).toBe(404);

    const readKey = await server.key(ws.id, ['read']);
    const withRead = await server.call('POST', '/v1/dashboard-sessions', { key: readKey, body: {} });
    expect(withRead.status).toBe(403);
    expect((await server.call('POST', '/v1/dashboard-sessions', { body: {} })).status).toBe(401);
    expect(await linkCount()).toBe(2);
  });

  it('refuses bad input with 400 naming the field, and stores nothing', async () => {
    const ws = await start();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ttlSeconds: 0 }, 'ttlSeconds'],
      [{ ttlSeconds: 3601 }, 'ttlSeconds'],
      [{ ttlSeconds: 1.5 }, 'ttlSeconds'],
      [{ role: 'owner' }, 'role'],
      [{ returnUrl: 'javascript:alert(1)' }, 'returnUrl'],
      [{ returnUrl: '/settings' }, 'returnUrl'],
      [{ returnUrl: 'ftp://files.example.com/x' }, 'returnUrl'],
      [{ extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await server.call('POST', `/v1/workspaces/${ws.id}/dashboard-sessions`, {
        key: TEST_ADMIN_KEY,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details.field, JSON.stringify(body)).toBe(field);
    }
    expect(await linkCount()).toBe(0);
    expect((await link(ws.id, { ttlSeconds: 3600 })).expiresAt).toBe(
      new Date(clock.now().getTime() + 3600 * SECOND).toISOString(),
    );
  });

  it('refuses every write from a viewer session with 403, and lets an admin session write', async () => {
    const ws = await start();
    const viewer = await signedIn(ws.id);
    const headers = { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf };
    const writes: Array<[string, string, unknown]> = [
      ['PUT', '/v1/alerts/threshold', { percent: 30 }],
      ['POST', '/v1/purchases', { pack: 'small' }],
      ['PUT', '/v1/subscription', { plan: 'pro' }],
      ['PUT', '/v1/twilio', { accountSid: `AC${'0'.repeat(32)}`, authToken: 'x'.repeat(32) }],
      ['DELETE', '/v1/twilio', undefined],
      ['POST', '/v1/agents', { id: 'agent-1' }],
      ['POST', '/v1/webhooks', { url: 'https://hooks.example.com/tally', events: ['credits.low'] }],
      ['POST', '/v1/dashboard-sessions', {}],
    ];
    for (const [method, path, body] of writes) {
      const res = await server.call(method, path, { headers, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', details: { reason: 'viewer_session' } });
    }
    expect((await server.call('GET', '/v1/alerts/threshold', { headers })).status).toBe(200);
    expect((await server.call('DELETE', '/v1/session', { headers })).status).toBe(204);

    const admin = await signedIn(ws.id, { role: 'admin' });
    expect(admin.me.body.role).toBe('admin');
    const threshold = await server.call('PUT', '/v1/alerts/threshold', {
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      body: { percent: 30 },
    });
    expect(threshold.status).toBe(200);
  });

  it('keeps a link session to its own workspace', async () => {
    const ws = await start();
    const other = await server.workspace();
    const { cookie } = await signedIn(ws.id, { role: 'admin' });
    expect((await server.call('GET', `/v1/workspaces/${other.id}`, { headers: { cookie } })).status).toBe(403);
    const me = await server.call('GET', '/v1/session', { headers: { cookie } });
    expect(me.body.workspace.id).toBe(ws.id);
  });

  it('never writes the link token to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const ws = await start({ logger: createLogger({ logLevel: 'trace' }, sink) });
    const { url } = await link(ws.id);
    await open(url);
    await open(url);
    await open(`${url}%`);
    const token = url.split('/').at(-1) ?? '';
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join('')).not.toContain(token);
  });
});

describeStores('framing and cookies when the dashboard is embedded', (ctx) => {
  const { server, start } = serverPerTest(ctx);

  it('may not be framed at all when no embed origins are set', async () => {
    await start({ config: { webDir } });
    const page = await server.call('GET', '/');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('may be framed by the embed origins only, with a SameSite=None; Secure cookie over https', async () => {
    await start({
      config: {
        webDir,
        embedOrigins: ['https://app.example.com', 'http://localhost:5173'],
        publicUrl: 'https://tally.example.com',
      },
    });
    const page = await server.call('GET', '/');
    expect(page.headers.get('content-security-policy')).toContain(
      "frame-ancestors 'self' https://app.example.com http://localhost:5173",
    );
    expect(page.headers.get('x-frame-options')).toBeNull();
    const ws = await server.workspace();
    const created = await server.call('POST', '/v1/dashboard-sessions', { key: ws.key, body: {} });
    expect(created.body.url).toMatch(/^https:\/\/tally\.example\.com\/v1\/dashboard-links\//);
    const path = new URL(created.body.url).pathname;
    const opened = await open(`${server.url}${path}`);
    expect(opened.setCookie).toContain('SameSite=None');
    expect(opened.setCookie).toContain('Secure');
  });

  it('describes both routes in /openapi.json, and not the browser page of a link', async () => {
    await start({ config: { webDir } });
    const spec = (await server.call('GET', '/openapi.json')).body;
    const byKey = spec.paths['/v1/dashboard-sessions'].post;
    const byOperator = spec.paths['/v1/workspaces/{id}/dashboard-sessions'].post;
    expect(byKey.operationId).toBe('createDashboardSession');
    expect(byOperator.operationId).toBe('createWorkspaceDashboardSession');
    const answers = ['201', '400', '401', '403', '413', '415', '429', '500', '503'];
    expect(Object.keys(byKey.responses).sort()).toEqual(answers);
    expect(Object.keys(byOperator.responses).sort()).toEqual([...answers, '404'].sort());
    expect(Object.keys(spec.paths).some((path) => path.startsWith('/v1/dashboard-links'))).toBe(false);
  });

  it('keeps SameSite=Lax when embedding is on but the public URL is not https', async () => {
    await start({ config: { webDir, embedOrigins: ['http://localhost:5173'] } });
    const ws = await server.workspace();
    const created = await server.call('POST', '/v1/dashboard-sessions', { key: ws.key, body: {} });
    const opened = await open(created.body.url);
    expect(opened.setCookie).toContain('SameSite=Lax');
    expect(opened.setCookie).not.toContain('Secure');
  });
});

describe('the page of a spent link', () => {
  it('escapes the return URL', () => {
    const page = linkExpiredPage('https://app.example.com/?a="><script>x</script>');
    expect(page).not.toContain('<script>x');
    expect(page).toContain('&quot;&gt;&lt;script&gt;');
  });
});

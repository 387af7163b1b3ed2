import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../support/http.ts';
import { DESKTOP, launchChromium } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

const RETURN_URL = 'https://agents.example.com/settings/usage';

/** The host platform's page: it frames whatever `?src=` names, as a platform embedding Tally would. */
async function startHostPage(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const src = new URL(request.url ?? '/', 'http://host').searchParams.get('src') ?? '';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>Host</title><h1>Agent platform</h1><iframe title="usage" src="${src.replace(/"/g, '&quot;')}" width="1200" height="800"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the dashboard opened by a host platform, in Chromium', () => {
  let tally: DashboardServer;
  let host: Awaited<ReturnType<typeof startHostPage>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  // 127.0.0.1 and localhost are different origins: the same host page is allowed under one name only.
  const allowedHost = () => `http://localhost:${host.port}`;
  const otherHost = () => `http://127.0.0.1:${host.port}`;

  async function link(role: 'viewer' | 'admin', returnUrl?: string): Promise<string> {
    const res = await tally.server.call('POST', `/v1/workspaces/${tally.workspaceId}/dashboard-sessions`, {
      key: TEST_ADMIN_KEY,
      body: { role, ...(returnUrl ? { returnUrl } : {}) },
    });
    expect(res.status).toBe(201);
    return res.body.url;
  }

  beforeAll(async () => {
    host = await startHostPage();
    [tally, browser] = await Promise.all([
      startDashboardServer({ embedOrigins: [`http://localhost:${host.port}`] }),
      launchChromium(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
    await host?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
  });

  it('signs in with a link, lands on the Usage page, and shows a viewer no write controls', async () => {
    await page.goto(await link('viewer', RETURN_URL));
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByTestId('twilio-balance').waitFor();
    const back = page.getByTestId('return-link');
    expect(await back.textContent()).toBe('Back to agents.example.com');
    expect(await back.getAttribute('href')).toBe(RETURN_URL);
    expect(await page.getByRole('button', { name: 'Reconnect' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Disconnect' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Plans' }).click();
    await page.getByTestId('viewer-notice').waitFor();
    await page.getByTestId('packs-card').locator('li.offer').first().waitFor();
    expect(await page.getByRole('button', { name: /^(Upgrade to|Buy) / }).count()).toBe(0);
  });

  it('shows an admin link the write controls a password user has', async () => {
    await page.goto(await link('admin'));
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
    expect(await page.getByTestId('return-link').count()).toBe(0);
    await page.getByRole('link', { name: 'Plans' }).click();
    await page.getByRole('button', { name: /^Buy / }).first().waitFor();
  });

  it('answers a second open of the same link with the expired page, signed out', async () => {
    const url = await link('viewer', RETURN_URL);
    await page.goto(url);
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();

    const other = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const second = await other.newPage();
    const response = await second.goto(url);
    expect(response?.status()).toBe(410);
    await second.getByRole('heading', { name: 'This link has expired' }).waitFor();
    expect(await second.getByTestId('return-link').getAttribute('href')).toBe(RETURN_URL);
    await second.goto(`${tally.server.url}/`);
    await second.getByRole('heading', { name: 'Sign in to your usage dashboard' }).waitFor();
    await other.close();
  });

  it('renders inside a frame of an allowed origin and not inside any other', async () => {
    const src = encodeURIComponent(`${tally.server.url}/`);
    await page.goto(`${allowedHost()}/?src=${src}`);
    const allowed = page.frameLocator('iframe[title="usage"]');
    await allowed.getByRole('heading', { name: 'Sign in to your usage dashboard' }).waitFor();

    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('frame-ancestors')) refused.push(message.text());
    });
    await page.goto(`${otherHost()}/?src=${src}`);
    await page.getByRole('heading', { name: 'Agent platform' }).waitFor();
    await expect.poll(() => refused.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(await frame?.locator('#root').count()).toBe(0);
    expect(await page.frameLocator('iframe[title="usage"]').getByText('Sign in to your usage dashboard').count()).toBe(
      0,
    );
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../support/http.ts';
import { DESKTOP, launchChromium } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

describe('spend limits on the Plans and Usage pages, in Chromium', () => {
  let tally: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  async function openAs(role: 'viewer' | 'admin', path = '/'): Promise<void> {
    const res = await tally.server.call('POST', `/v1/workspaces/${tally.workspaceId}/dashboard-sessions`, {
      key: TEST_ADMIN_KEY,
      body: { role },
    });
    expect(res.status).toBe(201);
    await page.goto(res.body.url);
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    if (path !== '/') await page.getByRole('link', { name: 'Plans' }).click();
  }

  let counter = 0;
  const charge = (agentId: string) =>
    tally.server.call('POST', '/v1/responses', {
      key: tally.key,
      body: { id: `limit-e2e-${++counter}`, conversationId: `chat-${agentId}`, channel: 'chat', agentId },
    });

  beforeAll(async () => {
    [tally, browser] = await Promise.all([startDashboardServer(), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
  });

  it('sets an agent limit from the Plans page; charges past it are refused and the Usage page shows it', async () => {
    await openAs('admin', '/upgrade');
    const card = page.getByTestId('spend-limits-card');
    await card.getByRole('button', { name: 'Add an agent limit' }).click();
    await card.getByLabel('Agent id').fill('limit-bot');
    await card.getByLabel('Credits', { exact: true }).fill('2');
    await card.getByRole('button', { name: 'Save limits' }).click();
    await card.getByTestId('limits-saved').waitFor();

    const limits = await tally.server.call('GET', '/v1/limits', { key: tally.key });
    expect(limits.body.agents).toEqual([{ agentId: 'limit-bot', credits: 2, mode: 'block', used: 0, reached: false }]);
    expect((await charge('limit-bot')).status).toBe(201);
    expect((await charge('limit-bot')).status).toBe(201);
    const refused = await charge('limit-bot');
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('spend_limit_reached');

    await page.getByRole('link', { name: 'Usage' }).first().click();
    const progress = page.getByTestId('limit-progress-agent-limit-bot');
    await progress.waitFor();
    expect(await progress.textContent()).toContain('2 / 2 credits (100%)');
  });

  it('refuses a bad limit on the page with the reason, and changes nothing', async () => {
    await openAs('admin', '/upgrade');
    const card = page.getByTestId('spend-limits-card');
    await card.getByLabel('Workspace limit (credits)').fill('0.0001');
    await card.getByRole('button', { name: 'Save limits' }).click();
    expect(await card.getByTestId('limits-error').textContent()).toContain('more than 3 decimals');
    expect((await tally.server.call('GET', '/v1/limits', { key: tally.key })).body.workspace).toBeNull();
  });

  it('shows a viewer the limits without a way to change them', async () => {
    await tally.server.call('PUT', '/v1/limits', {
      key: tally.key,
      body: { workspace: { credits: 100000, mode: 'alert' } },
    });
    await openAs('viewer', '/upgrade');
    const card = page.getByTestId('spend-limits-card');
    await card.getByTestId('limits-list').waitFor();
    expect(await card.textContent()).toContain('Workspace: 100,000 credits a period, alert only');
    expect(await card.getByRole('button', { name: 'Save limits' }).count()).toBe(0);
    const write = await page.evaluate(async () => {
      const response = await fetch('/v1/limits', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workspace: null }),
      });
      return response.status;
    });
    expect(write).toBe(403);
  });
});

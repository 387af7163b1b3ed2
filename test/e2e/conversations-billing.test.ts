import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../support/http.ts';
import { DESKTOP, launchChromium, PHONE, signIn } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

/** The page runs in en-US, so the test formats the API's numbers the same way to compare. */
const number = (value: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }).format(value);
const HOUR = 3_600_000;

describe('conversations, expiring credits and billing history in Chromium', () => {
  let demo: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const today = new Date().toISOString().slice(0, 10);

  const call = async (method: string, path: string, body?: unknown, key = demo.key) => {
    const res = await demo.server.call(method, path, { key, body });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDashboardServer(), launchChromium()]);
    // One call of our own today, one of its two replies refunded; a promotion that expires within the period; a pack.
    const occurredAt = new Date(Date.now() - HOUR).toISOString();
    for (const id of ['e2e-reply-1', 'e2e-reply-2']) {
      await call('POST', '/v1/responses', {
        id,
        conversationId: 'e2e-call',
        channel: 'call',
        agentId: 'agent-e2e',
        features: ['voice:elevenlabs'],
        occurredAt,
      });
    }
    await call('POST', '/v1/responses/e2e-reply-2/refund', { reason: 'the caller hung up' });
    const balance = await call('GET', '/v1/balance');
    const expiresAt = new Date(Math.min(Date.now() + 5 * 24 * HOUR + HOUR, Date.parse(balance.period.end) - HOUR));
    await call(
      'POST',
      `/v1/workspaces/${demo.workspaceId}/grants`,
      {
        id: 'e2e-promo',
        amount: 1200,
        source: 'promotion',
        reason: 'Welcome offer',
        expiresAt: expiresAt.toISOString(),
      },
      TEST_ADMIN_KEY,
    );
    const bought = await demo.server.app.server.inject({
      method: 'POST',
      url: '/v1/purchases',
      headers: {
        authorization: `Bearer ${demo.key}`,
        'idempotency-key': 'e2e-pack',
        'content-type': 'application/json',
      },
      payload: JSON.stringify({ pack: 'pack-500' }),
    });
    expect(bought.statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
  });

  it("opens a day's conversations from the usage history, filters them and shows each reply with refunds marked", async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const history = page.getByTestId('history-card');
    await history.getByText('Show the figures as a table').click();
    const todayLabel = new Intl.DateTimeFormat('en-US', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${today}T00:00:00Z`));
    await history.getByRole('link', { name: todayLabel }).click();
    await page.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    expect(new URL(page.url()).search).toBe(`?from=${today}&to=${today}`);

    const api = await call('GET', `/v1/conversations?from=${today}&to=${today}&limit=25`);
    const rows = page.getByTestId('conversation');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(api.items.length);
    expect(await rows.first().textContent()).toContain(api.items[0].id);

    await page.getByLabel('Agent').fill('agent-e2e');
    await page.getByLabel('Agent').press('Enter');
    await page.getByRole('radio', { name: 'Calls' }).check();
    await expect.poll(() => rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.textContent()).toContain('e2e-call');
    expect(await row.textContent()).toContain(`2 replies · ${number(1.5)} credits`);
    expect(new URL(page.url()).searchParams.get('agentId')).toBe('agent-e2e');

    // Opened with the keyboard; the toggle says whether it is open.
    const toggle = row.getByRole('button');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const replies = page.getByRole('region', { name: 'Replies in conversation e2e-call' }).getByTestId('reply');
    await expect.poll(() => replies.count()).toBe(2);
    expect(await replies.nth(0).textContent()).not.toContain('Refunded');
    expect(await replies.nth(0).textContent()).toContain('voice:elevenlabs');
    expect(await replies.nth(1).textContent()).toContain('Refunded');
    expect(await replies.nth(1).locator('s').textContent()).toBe(number(1.5));
  });

  it('pages through more conversations than fit on one page', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    const rows = page.getByTestId('conversation');
    await rows.first().waitFor();
    // The last 30 days of the demo hold far more than one page of 25.
    expect(await rows.count()).toBe(25);
    await page.getByRole('button', { name: 'Show more conversations' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(25);
  });

  it('says on the gauge which credits expire this period, and lists them on hover, tap and keyboard', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const balance = await call('GET', '/v1/balance');
    const first = balance.expiring[0];
    const soonest = balance.expiring.filter(
      (grant: { expiresAt: string }) => grant.expiresAt.slice(0, 10) === first.expiresAt.slice(0, 10),
    );
    const credits = soonest.reduce((sum: number, grant: { credits: number }) => sum + grant.credits, 0);
    const line = page.getByTestId('expiring-credits').getByRole('button');
    await line.waitFor();
    expect(await line.textContent()).toMatch(
      new RegExp(`^${number(credits)} credits expire (in \\d+ (days|hours)|tomorrow)$`),
    );
    const list = page.getByTestId('expiring-list');
    expect(await list.isVisible()).toBe(false);

    await line.hover();
    await expect.poll(() => list.isVisible()).toBe(true);
    expect(await list.textContent()).toContain('1,200 credits');
    expect(await list.textContent()).toContain('Welcome offer');
    await page.mouse.move(0, 0);
    await expect.poll(() => list.isVisible()).toBe(false);

    await line.focus();
    await page.keyboard.press('Enter');
    expect(await line.getAttribute('aria-expanded')).toBe('true');
    expect(await list.isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /credits expire/ }).getAttribute('aria-controls')).toBe(
      await list.getAttribute('id'),
    );
    await page.keyboard.press('Escape');
    expect(await line.getAttribute('aria-expanded')).toBe('false');
  });

  it('lists the billing history on the Plans page, and downloads it as CSV with the session', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    await page.getByRole('link', { name: 'Plans' }).click();
    const card = page.getByTestId('billing-history-card');
    await card.getByRole('heading', { name: 'Billing history' }).waitFor();
    const api = await call('GET', '/v1/billing/history');
    const entries = card.getByTestId('billing-entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(api.items.length);
    const purchase = entries.filter({ hasText: 'Purchase' }).first();
    expect(await purchase.textContent()).toContain(`+${number(500)}`);
    expect(await purchase.getByRole('rowheader').textContent()).toContain('500 credits pack');

    const download = card.getByRole('link', { name: 'Download CSV' });
    expect(await download.getAttribute('href')).toBe('/v1/billing/history.csv');
    const csv = await page.request.get(`${demo.server.url}/v1/billing/history.csv`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\r\n')[0]).toBe('date,kind,description,credits,amount,currency,document_url');
  });

  it('fits a phone screen: conversations, the expiring line and the billing history', async () => {
    const phone = await browser.newContext({ viewport: PHONE, locale: 'en-US', isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await signIn(small, demo.server.url, demo.email, demo.password);
    const line = small.getByTestId('expiring-credits').getByRole('button');
    await line.tap();
    await expect.poll(() => small.getByTestId('expiring-list').isVisible()).toBe(true);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    await small.goto(`${demo.server.url}/conversations?from=${today}&to=${today}&agentId=agent-e2e`);
    await small.getByTestId('conversation').first().tap();
    await small.getByTestId('reply').first().waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    await small.goto(`${demo.server.url}/upgrade`);
    await small.getByTestId('billing-entry').first().waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await phone.close();
  });
});

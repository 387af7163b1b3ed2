import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchChromium, PHONE } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

const number = (value: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }).format(value);

/**
 * The server's clock, stopped at 22:00 on 2 November in New York, already 3 November in UTC; the day
 * before, 1 November, was the 25-hour day when clocks went back. The browser runs in New York too.
 */
const NOW = new Date('2026-11-03T03:00:00Z');
const ZONE = 'America/New_York';
/** The last 30 days the breakdown card shows, ending today in New York. */
const RANGE = 'from=2026-10-04&to=2026-11-02';

describe("the usage breakdown and days in the workspace's time zone, in Chromium", () => {
  let demo: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const api = async (path: string) => {
    const res = await demo.server.call('GET', path, { key: demo.key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  async function open(viewport: { width: number; height: number }) {
    context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: ZONE });
    page = await context.newPage();
    await page.goto(`${demo.server.url}/`);
    await page.getByLabel('Email').fill(demo.email);
    await page.getByLabel('Password').fill(demo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Attached rather than visible, and clicks dispatched: some headless Chromium builds lay text out
    // with no height when their fonts are missing, which says nothing about the page.
    await page.getByTestId('breakdown-table').waitFor({ state: 'attached' });
  }

  /** The table's rows as [key, credits, calls, chats, responses] text. */
  const tableRows = (testId: string) =>
    page
      .getByTestId(testId)
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent)));

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDashboardServer({ now: NOW }), launchChromium()]);
    expect((await demo.server.call('PUT', '/v1/settings', { key: demo.key, body: { timeZone: ZONE } })).status).toBe(
      200,
    );
    // An agent working the night of the DST change: 01:30 EDT, 01:30 EST and 23:30 EST, all on 1 November in New York.
    for (const [id, occurredAt] of [
      ['night-1', '2026-11-01T05:30:00Z'],
      ['night-2', '2026-11-01T06:30:00Z'],
      ['night-3', '2026-11-02T04:30:00Z'],
    ]) {
      const res = await demo.server.call('POST', '/v1/responses', {
        key: demo.key,
        body: { id, conversationId: id, channel: 'chat', agentId: 'agent-night', occurredAt },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });
  afterEach(async () => {
    await context?.close();
  });

  it('shows by agent and by channel the rows the API gives, which add up to the summary', async () => {
    await open(DESKTOP);
    const summary = await api(`/v1/usage/summary?${RANGE}`);
    for (const [by, radio] of [
      ['agent', 'By agent'],
      ['channel', 'By channel'],
    ] as const) {
      await page.getByRole('radio', { name: radio }).dispatchEvent('click');
      const breakdown = await api(`/v1/usage/breakdown?by=${by}&${RANGE}`);
      const total = breakdown.rows.reduce((sum: number, row: { creditsUsed: number }) => sum + row.creditsUsed, 0);
      expect(Math.round(total * 1000)).toBe(Math.round(summary.creditsUsed * 1000));
      const labels: Record<string, string> = { call: 'Calls', chat: 'Chats' };
      await expect
        .poll(() => tableRows('breakdown-table'), { timeout: 10_000 })
        .toEqual(
          breakdown.rows.map(
            (row: { key: string; creditsUsed: number; calls: number; chats: number; responses: number }) => [
              by === 'channel' ? labels[row.key] : row.key,
              number(row.creditsUsed),
              number(row.calls),
              number(row.chats),
              number(row.responses),
            ],
          ),
        );
    }
    expect(await page.getByTestId('breakdown-range').textContent()).toContain(ZONE);
  });

  it("opens an agent's history with the DST day whole and today as New York's today", async () => {
    await open(DESKTOP);
    await page.getByRole('button', { name: 'agent-night' }).dispatchEvent('click');
    const history = page.getByTestId('agent-history');
    await history.waitFor({ state: 'attached' });
    await expect.poll(() => history.locator('tr[data-day="2026-11-01"] td').allTextContents()).toEqual(['3', '3']);
    expect(await history.locator('tr[data-day="2026-11-02"] td').allTextContents()).toEqual(['0', '0']);
    expect(await history.locator('tbody tr').last().getAttribute('data-day')).toBe('2026-11-02');
    expect(await page.getByTestId('agent-history-caption').textContent()).toBe(
      'agent-night used 3 credits in the last 30 days.',
    );
    // The usage history card ends on the same day: New York's today, not UTC's.
    const historyTable = page.getByTestId('history-card').locator('table tbody tr');
    expect(await historyTable.last().locator('th').textContent()).toBe('Nov 2, 2026');
  });

  it('fits a phone screen, with the table readable without sideways scrolling of the page', async () => {
    await open(PHONE);
    const card = page.getByTestId('breakdown-card');
    expect(await card.getByRole('table').count()).toBeGreaterThan(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = await card.boundingBox();
    expect(box?.width ?? 0).toBeLessThanOrEqual(PHONE.width);
  });
});

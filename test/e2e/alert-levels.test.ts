import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DESKTOP, launchChromium } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

describe('usage alerts and e-mail notices on the Plans page, in Chromium', () => {
  let demo: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDashboardServer(), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    // Signed in through the API with the browser's own cookie jar, then straight to the Plans page.
    const signedIn = await context.request.post(`${demo.server.url}/v1/session`, {
      data: { email: demo.email, password: demo.password },
    });
    expect(signedIn.status()).toBe(200);
    await page.goto(`${demo.server.url}/upgrade`);
  });
  afterEach(async () => {
    await context.close();
  });

  it('lets an admin add a credits-left alert, refuses a bad one with the reason, and goes back to the defaults', async () => {
    const card = page.getByTestId('alert-levels-card');
    await expect.poll(() => card.getByTestId('alert-level').count()).toBe(3);

    await card.getByRole('radio', { name: 'Credits left' }).check();
    await card.getByLabel('Alert at this many credits left').fill('150');
    await card.getByRole('button', { name: 'Add alert' }).click();
    await card.getByText('150 credits or less left').waitFor({ state: 'attached' });
    const saved = await demo.server.call('GET', '/v1/alerts/levels', { key: demo.key });
    expect(saved.body.default).toBe(false);
    expect(saved.body.levels).toContainEqual(expect.objectContaining({ kind: 'credits_left', creditsLeft: 150 }));

    await card.getByRole('radio', { name: '% used' }).check();
    await card.getByLabel('Alert at this percent used').fill('150');
    await card.getByRole('button', { name: 'Add alert' }).click();
    await card.getByRole('alert').waitFor({ state: 'attached' });
    expect(await card.getByRole('alert').textContent()).toContain('must be <= 100');

    await card.getByRole('button', { name: 'Back to defaults' }).click();
    await card.getByText('Defaults').waitFor({ state: 'attached' });
    expect((await demo.server.call('GET', '/v1/alerts/levels', { key: demo.key })).body.default).toBe(true);
  });

  it("turns the signed-in user's own e-mail notices off and on again", async () => {
    const toggle = page.getByTestId('email-notices-toggle');
    await toggle.waitFor({ state: 'attached' });
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click(); // controlled by the server's answer: checked once it is saved
    await expect.poll(() => toggle.isChecked()).toBe(false);
    await page.reload();
    await toggle.waitFor({ state: 'attached' });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    await expect.poll(() => toggle.isChecked()).toBe(true);
  });
});

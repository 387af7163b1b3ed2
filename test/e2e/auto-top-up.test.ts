import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payDue } from '../../src/billing/auto-top-up/payer.ts';
import { FakeStripe } from '../fakes/stripe-server.ts';
import { DESKTOP, launchChromium, signIn } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

/** The figure the Usage page shows as "Available now", read back as a number (en-US). */
async function availableOnPage(page: Page): Promise<number> {
  const text = await page.getByTestId('available').textContent();
  return Number((text ?? '').replace(/,/g, ''));
}

describe('auto top-up set from the Plans page, in Chromium (manual payments)', () => {
  let tally: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [tally, browser] = await Promise.all([startDashboardServer({ connectTwilio: false }), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  it('buys the chosen pack when charges cross the threshold, and the credits appear', async () => {
    await signIn(page, tally.server.url, tally.email, tally.password);
    const before = await availableOnPage(page);

    await page.goto(`${tally.server.url}/upgrade`);
    const card = page.getByTestId('auto-top-up-card');
    await card.getByLabel('Buy credits automatically when the balance runs low').check();
    // Just above the balance: the next charge takes it below the line.
    await card.getByLabel('When available credits fall below').fill(String(Math.floor(before) + 1));
    await card.getByLabel('Buy this pack').selectOption('pack-500');
    await card.getByLabel('At most this many times a month').fill('2');
    await card.getByRole('button', { name: 'Save auto top-up' }).click();
    await card.getByTestId('auto-top-up-saved').waitFor();
    const saved = await tally.server.call('GET', '/v1/auto-top-up', { key: tally.key });
    expect(saved.body).toMatchObject({
      enabled: true,
      threshold: Math.floor(before) + 1,
      pack: 'pack-500',
      maxPerMonth: 2,
    });

    const charge = await tally.server.call('POST', '/v1/responses', {
      key: tally.key,
      body: { id: 'e2e-top-up', conversationId: 'e2e-top-up', channel: 'chat', agentId: 'support-bot' },
    });
    expect(charge.status).toBe(201);
    expect(await payDue({ ctx: tally.server.app.ctx, input: { returnUrl: `${tally.server.url}/upgrade` } })).toEqual({
      claimed: 1,
      unreachable: 0,
    });

    await page.reload();
    await expect.poll(() => card.getByTestId('auto-top-up-last').textContent()).toContain('bought');
    await expect.poll(() => card.textContent()).toContain('This month: 1 of 2 bought.');

    await page.goto(`${tally.server.url}/`);
    await expect.poll(() => availableOnPage(page)).toBe(charge.body.balance.available + 500);
    expect(await page.getByTestId('auto-top-up-banner').count()).toBe(0);
  }, 120_000);
});

describe('a failed auto top-up on the Usage page, in Chromium (Stripe)', () => {
  let stripe: FakeStripe;
  let tally: DashboardServer;
  let browser: Browser;

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    [tally, browser] = await Promise.all([
      startDashboardServer({ connectTwilio: false, stripeApiUrl: stripe.url }),
      launchChromium(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
    await stripe?.stop();
  });

  it('shows a banner saying why the top-up failed', async () => {
    const balance = await tally.server.call('GET', '/v1/balance', { key: tally.key });
    const set = await tally.server.call('PUT', '/v1/auto-top-up', {
      key: tally.key,
      body: { enabled: true, threshold: Math.floor(balance.body.available) + 1, pack: 'pack-500', maxPerMonth: 1 },
    });
    expect(set.status).toBe(200);
    await tally.server.call('POST', '/v1/responses', {
      key: tally.key,
      body: { id: 'e2e-top-up-fails', conversationId: 'e2e-top-up-fails', channel: 'chat', agentId: 'support-bot' },
    });
    // The demo workspace never paid through Stripe Checkout, so Stripe holds no card to charge.
    await payDue({ ctx: tally.server.app.ctx, input: { returnUrl: `${tally.server.url}/upgrade` } });

    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    try {
      const page = await context.newPage();
      await signIn(page, tally.server.url, tally.email, tally.password);
      const banner = page.getByTestId('auto-top-up-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toContain('The automatic credit top-up failed: No saved card');
    } finally {
      await context.close();
    }
  }, 120_000);
});

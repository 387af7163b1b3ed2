import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DESKTOP, launchChromium, PHONE, signIn } from './support/browser.ts';
import { type DashboardServer, startDashboardServer } from './support/dashboard-server.ts';

/** The page runs in en-US, so the test formats the API's numbers the same way to compare. */
const number = (value: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }).format(value);
const DAY = 86_400_000;

function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** A UTC day as the API takes it, `days` after `at`'s. */
function day(at: Date, days = 0): string {
  return new Date(startOfUtcDay(at).getTime() + days * DAY).toISOString().slice(0, 10);
}

/** Polling is every 10 s: anything the page should pick up by itself gets a little more than that. */
const BY_ITSELF = { timeout: 15_000 };

describe('the usage dashboard in Chromium', () => {
  let demo: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const api = async (path: string) => {
    const res = await demo.server.call('GET', path, { key: demo.key });
    expect(res.status).toBe(200);
    return res.body;
  };

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
  });
  afterEach(async () => {
    await context.close();
  });

  it('refuses a wrong password with a message and no dashboard', async () => {
    await page.goto(demo.server.url);
    await page.getByLabel('Email').fill(demo.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('sign-in-error').textContent()).resolves.toBe('The email or password is not right.');
    expect(await page.getByTestId('credits-card').count()).toBe(0);
  });

  it('shows on the gauge exactly the credits and agents the API reports', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const balance = await api('/v1/balance');
    const total = balance.period.used + balance.available + balance.held;
    const gauge = page.getByRole('meter', { name: 'Credits used this period' });
    await page.getByTestId('gauge').waitFor();
    // Exact while it fits in the ring, else compact ("12.5K/20K"); the meter below always has the exact figures.
    const exact = `${number(balance.period.used)}/${number(total)}`;
    const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
    expect(await page.getByTestId('gauge-text').textContent()).toBe(
      exact.length > 11 ? `${compact.format(balance.period.used)}/${compact.format(total)}` : exact,
    );
    expect(await gauge.getAttribute('value')).toBe(String(balance.period.used));
    expect(await gauge.getAttribute('max')).toBe(String(total));
    expect(await gauge.getAttribute('aria-valuetext')).toContain(
      `${number(balance.period.used)} of ${number(total)} credits used this period`,
    );
    expect(await page.getByTestId('available').textContent()).toBe(number(balance.available));
    expect(await page.getByTestId('agents').textContent()).toContain(
      `${balance.agents.used} of ${balance.agents.allowed}`,
    );
    expect(balance.low).toBe(false);
    expect(await page.getByTestId('upgrade-link').count()).toBe(0);
    expect(await page.getByTestId('workspace-name').textContent()).toBe('Demo Voice Co.');
  });

  it('shows the summary the API gives for this month, and for another period when picked', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const now = new Date();
    const today = day(now);
    const thisMonth = new URLSearchParams({ from: `${today.slice(0, 8)}01`, to: today });
    const expectSummary = async (query: URLSearchParams) => {
      const summary = await api(`/v1/usage/summary?${query}`);
      const credits = page.getByTestId('summary-credits');
      await expect.poll(() => credits.textContent(), { timeout: 10_000 }).toBe(number(summary.creditsUsed));
      expect(await page.getByTestId('summary-calls').textContent()).toBe(number(summary.calls));
      expect(await page.getByTestId('summary-chats').textContent()).toBe(number(summary.chats));
      return summary;
    };
    const month = await expectSummary(thisMonth);

    // With the keyboard: focus the selected period and move to "Last 7 days" with the arrow keys.
    await page.getByRole('radio', { name: 'This month' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: 'Last 7 days' }).isChecked()).toBe(true);
    const week = await expectSummary(new URLSearchParams({ from: day(now, -6), to: today }));
    expect(week.creditsUsed).toBeGreaterThan(0);
    expect(week).not.toEqual(month);

    await page.getByRole('radio', { name: 'Custom' }).check();
    await page.getByLabel('From', { exact: true }).fill(day(now, -45));
    await page.getByLabel('To', { exact: true }).fill(today);
    await expectSummary(new URLSearchParams({ from: day(now, -45), to: today }));
  });

  it('links the CSV export to the period shown, and the file downloads with the session', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    await page.getByRole('radio', { name: 'Last 30 days' }).check();
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    const now = new Date();
    expect(href).toBe(`/v1/usage/export.csv?${new URLSearchParams({ from: day(now, -29), to: day(now) })}`);
    const download = await page.request.get(`${demo.server.url}${href}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toContain('text/csv');
  });

  it('draws the last three months with the API points by day and by week, with exact values on hover', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const range = new URLSearchParams({ from: day(new Date(), -90), to: day(new Date()) });
    const daily = await api(`/v1/usage/history?${range}&interval=day`);
    const chart = page.getByTestId('history-chart');
    await chart.locator('.recharts-line').first().waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBe(daily.points.length);
    expect(await chart.locator('.recharts-line').count()).toBe(3);
    expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual([
      'Credits used',
      'Calls',
      'Chats',
    ]);

    // The table beside the chart holds every point as the API gave it.
    await page.getByText('Show the figures as a table').click();
    const rows = page.getByTestId('history-card').locator('tbody tr');
    expect(await rows.count()).toBe(daily.points.length);
    const busiest = daily.points.reduce((a: { creditsUsed: number }, b: { creditsUsed: number }) =>
      b.creditsUsed > a.creditsUsed ? b : a,
    );
    const index = daily.points.indexOf(busiest);
    const cells = await rows.nth(index).locator('td').allTextContents();
    expect(cells).toEqual([
      number(busiest.creditsUsed),
      number(busiest.calls),
      number(busiest.chats),
      number(busiest.responses),
    ]);

    // Hovering the busiest day shows its exact figures.
    const box = await chart.locator('.recharts-cartesian-grid').boundingBox();
    if (!box) throw new Error('the chart has no plot area');
    await page.mouse.move(box.x + (box.width * (index + 0.5)) / daily.points.length, box.y + box.height / 2);
    const tooltip = page.locator('.chart-tooltip');
    await tooltip.waitFor();
    const tooltipText = await tooltip.textContent();
    expect(tooltipText).toContain(`Credits used${number(busiest.creditsUsed)}`);
    expect(tooltipText).toContain(`Calls${number(busiest.calls)}`);
    expect(tooltipText).toContain(`Chats${number(busiest.chats)}`);

    const weekly = await api(`/v1/usage/history?${range}&interval=week`);
    await page.getByRole('radio', { name: 'Weeks' }).check();
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBe(weekly.points.length);
    expect(await rows.count()).toBe(weekly.points.length);
    expect(await rows.first().locator('td').first().textContent()).toBe(number(weekly.points[0].creditsUsed));
  });

  it('shows the forecast the API gives', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const forecast = await api('/v1/forecast');
    await page.getByTestId('forecast-pace').waitFor();
    expect(await page.getByTestId('forecast-pace').textContent()).toBe(
      `${number(Math.round(forecast.dailyAverage * 10) / 10)} credits a day`,
    );
    expect(await page.getByTestId('forecast-projection').textContent()).toBe(
      `${number(Math.round(forecast.periodEndProjection))} credits`,
    );
    const runsOut = await page.getByTestId('forecast-runs-out').textContent();
    if (forecast.runsOutAt === null) expect(runsOut).toBe('Not at this pace');
    else {
      // The forecast is computed at each request, so the page's answer may be a moment later than the test's.
      const shown = await page.getByTestId('forecast-runs-out').locator('time').getAttribute('datetime');
      expect(Math.abs(new Date(shown ?? '').getTime() - new Date(forecast.runsOutAt).getTime())).toBeLessThan(60_000);
    }
  });

  it("shows Twilio's figures, then stale while Twilio is down, then failing when it refuses the credentials", async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const state = page.getByTestId('twilio-state');
    await expect.poll(() => state.textContent()).toBe('Live');
    const card = await api('/v1/twilio');
    expect(await page.getByTestId('twilio-balance').textContent()).toBe(
      new Intl.NumberFormat('en-US', { style: 'currency', currency: card.currency }).format(card.balance),
    );
    expect(await page.getByTestId('twilio-spend').textContent()).toBe(
      new Intl.NumberFormat('en-US', { style: 'currency', currency: card.last30Days.currency }).format(
        card.last30Days.spend,
      ),
    );
    // The server refreshes Twilio's figures every few seconds: the page may show the refresh before the test's own read.
    const asOf = await page.getByTestId('twilio-as-of').locator('time').getAttribute('datetime');
    expect(Math.abs(new Date(asOf ?? '').getTime() - new Date(card.asOf).getTime())).toBeLessThan(60_000);
    expect(await page.getByTestId('twilio-scope').textContent()).toBe('This account only, subaccounts not included');
    expect(await page.getByTestId('twilio-split').textContent()).toContain('Phone numbers');
    expect(await page.getByRole('link', { name: 'Manage funds in the Twilio Console' }).getAttribute('href')).toBe(
      'https://console.twilio.com/',
    );

    try {
      await demo.twilio.set({ failure: 'unavailable' });
      await expect.poll(() => state.textContent(), BY_ITSELF).toBe('Stale');
      expect(await page.getByTestId('twilio-problem').textContent()).toContain('Twilio answered with an error');
      // The last known figures stay on the card, with the time they are from.
      expect(await page.getByTestId('twilio-balance').textContent()).toBe('$187.42');
      expect(await page.getByTestId('twilio-as-of').textContent()).toContain('Last known figures from');

      // Only the usage lists missing: the balance stays current, and no reconnect is pressed on the customer.
      await demo.twilio.set({ failure: 'not_found', affects: 'usage' });
      const usageProblem = page.getByTestId('twilio-problem-usage');
      await expect.poll(() => usageProblem.textContent(), BY_ITSELF).toContain('A reconnect will not change this');
      expect(await page.getByTestId('twilio-problem-balance').count()).toBe(0);
      expect(await page.getByTestId('twilio-balance').textContent()).toBe('$187.42');
      expect(await page.getByRole('button', { name: 'Reconnect' }).getAttribute('class')).not.toContain('primary');

      await demo.twilio.set({ failure: 'reject_credentials', affects: 'all' });
      await expect.poll(() => state.textContent(), BY_ITSELF).toBe('Problem');
      expect(await page.getByTestId('twilio-problem').textContent()).toContain(
        'Twilio no longer accepts the stored credentials',
      );
      expect(await page.getByRole('button', { name: 'Reconnect' }).isVisible()).toBe(true);
    } finally {
      await demo.twilio.set({ failure: 'none', affects: 'all' });
    }
    await expect.poll(() => state.textContent(), BY_ITSELF).toBe('Live');
  }, 60_000);

  it('connects Twilio from the card with an Account SID and Auth Token', async () => {
    expect((await demo.server.call('DELETE', '/v1/twilio', { key: demo.key })).status).toBe(204);
    await signIn(page, demo.server.url, demo.email, demo.password);
    const state = page.getByTestId('twilio-state');
    await expect.poll(() => state.textContent()).toBe('Not connected');
    await page.getByLabel('Account SID').fill('AC7d1e5a0f3c2b49e8a6d4f1b2c3e5a7d9');
    await page.getByLabel('Auth Token').fill('wrong-token');
    await page.getByRole('button', { name: 'Connect Twilio' }).click();
    await page.getByTestId('twilio-card').getByRole('alert').waitFor();
    expect(await state.textContent()).toBe('Not connected');
    await page.getByLabel('Auth Token').fill('5f2c8e1a9b3d4c6e7f8a0b1c2d3e4f5a');
    await page.getByRole('button', { name: 'Connect Twilio' }).click();
    await expect.poll(() => state.textContent()).toBe('Live');
    expect(await page.getByTestId('twilio-balance').textContent()).toBe('$187.42');
  });

  it('puts an "Upgrade account" link on the gauge when credits run low, without a reload', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    await page.getByTestId('gauge').waitFor();
    expect(await page.getByTestId('upgrade-link').count()).toBe(0);

    // Agents keep working: spend down to just under a fifth of the period's credits.
    const balance = await api('/v1/balance');
    let toSpend = Math.ceil(balance.available - balance.period.granted * 0.2) + 1;
    for (let batch = 0; toSpend > 0; batch++) {
      const count = Math.min(1000, toSpend);
      const res = await demo.server.call('POST', '/v1/responses/batch', {
        key: demo.key,
        body: {
          responses: Array.from({ length: count }, (_, i) => ({
            id: `e2e-low-${batch}-${i}`,
            conversationId: `e2e-low-${batch}`,
            channel: 'chat',
            agentId: 'agent-support',
          })),
        },
      });
      expect(res.status).toBe(200);
      toSpend -= count;
    }
    const low = await api('/v1/balance');
    expect(low.low).toBe(true);

    const link = page.getByTestId('upgrade-link');
    await link.waitFor(BY_ITSELF);
    expect(await link.textContent()).toBe('Upgrade account');
    expect(await page.getByTestId('available').textContent()).toBe(number(low.available));
    await link.click();
    await page.getByRole('heading', { name: 'Upgrade', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/upgrade');
  }, 60_000);

  it('lists the plans above the current one and the packs, and buys a pack', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    const options = await api('/v1/upgrade-options');
    const before = await api('/v1/balance');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plans' }).click();
    await page.getByRole('heading', { name: 'Upgrade', level: 1 }).waitFor();
    const plans = page.getByTestId('plans-card').locator('li.offer');
    await plans.first().waitFor();
    expect(await plans.evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')))).toEqual([
      `plan-${options.current.id}`,
      ...options.plans.map((plan: { id: string }) => `plan-${plan.id}`),
    ]);
    expect(await page.getByTestId(`plan-${options.current.id}`).textContent()).toContain('Current plan');
    const pack = options.packs[0];
    expect(await page.getByTestId(`pack-${pack.id}`).textContent()).toContain(
      new Intl.NumberFormat('en-US', { style: 'currency', currency: pack.currency, maximumFractionDigits: 0 }).format(
        pack.price,
      ),
    );
    if (options.provider !== 'manual') return;
    await page.getByRole('button', { name: `Buy ${pack.name}` }).click();
    await page.getByTestId('checkout-done').waitFor();
    expect(await page.getByTestId('checkout-done').textContent()).toContain(`${number(pack.credits)} credits`);
    const after = await api('/v1/balance');
    expect(after.available).toBeCloseTo(before.available + pack.credits, 3);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: PHONE, locale: 'en-US', isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await signIn(small, demo.server.url, demo.email, demo.password);
    await small.getByTestId('gauge').waitFor();
    await small.getByTestId('twilio-balance').waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await phone.close();
  });

  it("formats numbers, money and dates in the reader's locale", async () => {
    const german = await browser.newContext({ viewport: DESKTOP, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
    const page = await german.newPage();
    await signIn(page, demo.server.url, demo.email, demo.password);
    const balance = await api('/v1/balance');
    await page.getByTestId('available').waitFor();
    expect(await page.getByTestId('available').textContent()).toBe(
      new Intl.NumberFormat('de-DE', { maximumFractionDigits: 3 }).format(balance.available),
    );
    await page.getByTestId('twilio-balance').waitFor();
    expect(await page.getByTestId('twilio-balance').textContent()).toBe(
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'USD' }).format(187.42),
    );
    await german.close();
  });

  it('signs out, and a reload then asks to sign in again', async () => {
    await signIn(page, demo.server.url, demo.email, demo.password);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
    await page.reload();
    await page.getByLabel('Email').waitFor();
    expect(await page.getByTestId('credits-card').count()).toBe(0);
  });
});

describe('the Plans page when payments are off', () => {
  let off: DashboardServer;
  let browser: Browser;
  beforeAll(async () => {
    [off, browser] = await Promise.all([
      startDashboardServer({ payments: 'off', upgradeUrl: 'https://platform.example/billing' }),
      launchChromium(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await off?.close();
  });

  it("shows the plans and packs with no button that could only fail, and links to the operator's page", async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await signIn(page, off.server.url, off.email, off.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plans' }).click();
    await page.getByTestId('payments-off').waitFor();
    await page.getByTestId('plans-card').locator('li.offer').first().waitFor();
    expect(await page.getByTestId('packs-card').locator('li.offer').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: /^(Upgrade to|Buy) / }).count()).toBe(0);
    expect(await page.getByTestId('operator-upgrade-link').getAttribute('href')).toBe(
      'https://platform.example/billing',
    );
    await context.close();
  }, 60_000);
});

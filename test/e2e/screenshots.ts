import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP, launchChromium, PHONE, signIn } from './support/browser.ts';
import { startDashboardServer } from './support/dashboard-server.ts';

/**
 * `npm run screenshots`: the seeded demo in Chromium at desktop and phone width, written to
 * docs/screenshots/ for the README. Needs a built dashboard (`npm run build:web`).
 */
const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const demo = await startDashboardServer();
const browser = await launchChromium();
// A pack bought by hand (the demo's payments are manual), so the Plans page's billing history has a purchase.
await demo.server.app.server.inject({
  method: 'POST',
  url: '/v1/purchases',
  headers: {
    authorization: `Bearer ${demo.key}`,
    'idempotency-key': 'screenshots-pack',
    'content-type': 'application/json',
  },
  payload: JSON.stringify({ pack: 'pack-2000' }),
});
try {
  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    const context = await browser.newContext({
      viewport,
      locale: 'en-US',
      deviceScaleFactor: name === 'phone' ? 2 : 1,
    });
    const page = await context.newPage();
    await page.goto(demo.server.url);
    await page.getByLabel('Email').waitFor();
    await page.screenshot({ path: join(out, `sign-in-${name}.png`) });
    await signIn(page, demo.server.url, demo.email, demo.password);
    await page.getByTestId('history-chart').locator('.recharts-line').first().waitFor();
    await page.getByTestId('summary-credits').waitFor();
    await page.getByTestId('forecast-pace').waitFor();
    await page.getByTestId('twilio-balance').waitFor();
    await page.screenshot({ path: join(out, `dashboard-${name}.png`), fullPage: true });
    // The credits gauge's expiring line, opened: the grants that expire this period.
    await page.getByTestId('expiring-credits').getByRole('button').click();
    await page.getByTestId('credits-card').screenshot({ path: join(out, `expiring-credits-${name}.png`) });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await page.getByTestId('conversation').first().getByRole('button').click();
    await page.getByTestId('reply').first().waitFor();
    await page.screenshot({ path: join(out, `conversations-${name}.png`), fullPage: true });
    await page.goto(`${demo.server.url}/upgrade`);
    await page.getByRole('heading', { name: 'Upgrade', level: 1 }).waitFor();
    await page.getByTestId('plans-card').locator('li.offer').first().waitFor();
    await page.getByTestId('billing-entry').first().waitFor();
    await page.screenshot({ path: join(out, `upgrade-${name}.png`), fullPage: true });
    await context.close();
  }
  console.log(`Screenshots written to ${out}`);
} finally {
  await browser.close();
  await demo.close();
}

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
    await page.goto(`${demo.server.url}/upgrade`);
    await page.getByRole('heading', { name: 'Upgrade', level: 1 }).waitFor();
    await page.getByTestId('plans-card').locator('li.offer').first().waitFor();
    await page.screenshot({ path: join(out, `upgrade-${name}.png`), fullPage: true });
    await context.close();
  }
  console.log(`Screenshots written to ${out}`);
} finally {
  await browser.close();
  await demo.close();
}

import pg from 'pg';
import { chromium } from 'playwright-core';
import { findChromium } from './support/chromium.ts';
import { type PostgresServer, startThrowawayPostgres } from './support/postgres-server.ts';

/**
 * What every test run needs besides Node: a real PostgreSQL and a real Chromium. Both are found or
 * started here, once, before any test file runs, and handed to the test processes through the
 * environment (TALLY_TEST_DATABASE_URL, TALLY_CHROMIUM). When one cannot be had, the run stops here
 * with one line saying what is missing and how to provide it, not with a failure in every file.
 */
let postgres: PostgresServer | undefined;

export async function setup(): Promise<void> {
  try {
    if (process.env.TALLY_TEST_DATABASE_URL) {
      await reachable(process.env.TALLY_TEST_DATABASE_URL);
    } else {
      postgres = await startThrowawayPostgres();
      process.env.TALLY_TEST_DATABASE_URL = postgres.url;
    }
    process.env.TALLY_CHROMIUM = await launchableChromium();
  } catch (error) {
    await postgres?.remove();
    console.error(`\nThe tests cannot run: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

export async function teardown(): Promise<void> {
  await postgres?.remove();
}

async function reachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL at TALLY_TEST_DATABASE_URL does not answer (${(error as Error).message}): start it, or unset TALLY_TEST_DATABASE_URL and the suite starts its own`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function launchableChromium(): Promise<string> {
  let found: Awaited<ReturnType<typeof findChromium>> | undefined;
  try {
    found = await findChromium();
    const browser = await chromium.launch({
      executablePath: found.executablePath,
      env: { ...process.env, ...found.env },
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    await browser.close();
    return found.executablePath;
  } catch (error) {
    const which = found ? `${found.executablePath} (${found.source})` : 'no Chromium';
    throw new Error(
      `Chromium does not start: ${which}: ${(error as Error).message.split('\n')[0]}. Run npm install (it brings @sparticuz/chromium), or set TALLY_CHROMIUM to a Chromium binary`,
    );
  }
}

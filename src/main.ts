import { mkdirSync } from 'node:fs';
import { loadOrCreateAdminKey } from './admin-key.ts';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { seedDemo } from './demo/seed.ts';
import { sweepExpired } from './ledger/sweep-expired.ts';
import { createLogger } from './logger.ts';
import { openStore } from './open-store.ts';

export interface RunningTally {
  url: string;
  close(): Promise<void>;
}

/** The composition root: builds the store, the services and the server, starts the background work. */
export async function startTally(config: Config, say: (line: string) => void = console.log): Promise<RunningTally> {
  mkdirSync(config.dataDir, { recursive: true });
  const logger = createLogger(config);
  const store = await openStore(config);
  const admin = loadOrCreateAdminKey(config.adminKey, config.dataDir);
  const clock = () => new Date();
  const tally = await buildApp({ store, config: { ...config, adminKey: admin.key }, clock, logger });

  const url = await tally.server.listen({ port: config.port, host: config.host });
  say(`Tally is listening on ${url} (${store.dialect === 'sqlite' ? `SQLite ${config.sqliteFile}` : 'PostgreSQL'})`);
  if (admin.created) say(`Operator key (saved in ${config.dataDir}/admin.key, shown once): ${admin.key}`);
  if (config.demo) {
    const demo = await seedDemo(store, tally, clock());
    say(`Demo workspace ${demo.workspaceId}: ${demo.summary}`);
  }

  // Expiry never waits for this (every read ignores expired grants); it only writes the expiry lines soon after.
  const sweeper = setInterval(() => {
    sweepExpired(store, clock()).catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'));
  }, 60_000);
  sweeper.unref();

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      await tally.server.close();
      await store.close();
    })();
    return closing;
  };
  return { url, close };
}

/** `npm start`: run until SIGTERM/SIGINT, then finish in-flight requests and exit. */
export async function serve(config: Config): Promise<void> {
  const tally = await startTally(config);
  const stop = async (signal: string) => {
    console.log(`${signal}: finishing in-flight requests`);
    await tally.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

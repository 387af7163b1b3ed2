import { mkdirSync } from 'node:fs';
import { loadOrCreateAdminKey } from './admin-key.ts';
import { prepareEmail } from './alerts/email-worker.ts';
import { sealPlainSigningSecrets } from './alerts/signing-secrets.ts';
import { WebhookWorker } from './alerts/worker.ts';
import { buildApp } from './app.ts';
import { AutoTopUpPayer } from './billing/auto-top-up/payer.ts';
import { Catalog } from './billing/catalog.ts';
import type { PaymentsMode } from './billing/payments-mode.ts';
import { renewDue } from './billing/renewals.ts';
import type { Config } from './config.ts';
import { loadOrCreateDemoPassword } from './demo/password.ts';
import { seedDemo } from './demo/seed.ts';
import { connectDemoTwilio, startDemoTwilio } from './demo/twilio.ts';
import { sweepExpired } from './ledger/sweep-expired.ts';
import { createLogger } from './logger.ts';
import { openStore } from './open-store.ts';
import { loadSecretKey } from './secrets/secret-key.ts';
import { ensureDemoUser } from './users/users.ts';

/** The start-up line that says who takes payments; it names settings, never their values. */
const PAYMENTS_LINE: Record<PaymentsMode, string> = {
  stripe:
    'Payments: Stripe (TALLY_PAYMENTS=stripe): plans and packs go through Stripe Checkout; credits come when paid.',
  manual:
    'Payments: manual (TALLY_PAYMENTS=manual): workspaces get plans and packs at once, without payment; invoice them from GET /v1/billing/manual.',
  off: 'Payments: off (TALLY_PAYMENTS=off): only the operator changes plans and grants packs; set TALLY_PAYMENTS=stripe or manual to let workspaces buy.',
};

export interface RunningTally {
  url: string;
  close(): Promise<void>;
}

/** The composition root: builds the store, the services and the server, starts the background work. */
export async function startTally(config: Config, say: (line: string) => void = console.log): Promise<RunningTally> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = createLogger(config);
  // Before the store: a bad catalog file stops Tally at once with the reason.
  const catalog = Catalog.load(config.plansFile);
  const store = await openStore(config);
  const admin = loadOrCreateAdminKey(config.adminKey, config.dataDir);
  // PostgreSQL's clock when Tally runs on it: every process decides expiry, holds and periods alike.
  const clock = store.now;
  // Demo mode without a configured Twilio URL: Twilio calls go to the local fake so the demo works offline.
  const demoTwilio = config.demo && !config.twilioApiUrlSet ? await startDemoTwilio() : null;
  if (demoTwilio) config = { ...config, twilioApiUrl: demoTwilio.url };
  const secretKey = loadSecretKey({ secretKey: config.secretKey ?? undefined, dataDir: config.dataDir });
  const tally = await buildApp({
    store,
    config: { ...config, adminKey: admin.key },
    clock,
    logger,
    secretKey,
    catalog,
  });
  const sealed = await sealPlainSigningSecrets({ ctx: tally.ctx });
  if (sealed > 0) logger.info({ sealed }, 'sealed webhook signing secrets stored in plain text by an earlier version');

  const url = await tally.server.listen({ port: config.port, host: config.host });
  const database = config.databaseReadUrl ? 'PostgreSQL, dashboard figures from its read replica' : 'PostgreSQL';
  say(`Tally is listening on ${url} (${store.dialect === 'sqlite' ? `SQLite ${config.sqliteFile}` : database})`);
  say(PAYMENTS_LINE[config.payments]);
  if (admin.created) say(`Operator key (saved in ${config.dataDir}/admin.key, shown once): ${admin.key}`);
  if (config.demo) {
    const demo = await seedDemo({ ctx: tally.ctx, input: { asOf: clock() } });
    say(`Demo workspace ${demo.workspaceId}: ${demo.summary}`);
    const password = loadOrCreateDemoPassword(config.demoPassword, config.dataDir);
    const user = await ensureDemoUser({ ctx: tally.ctx, input: { workspaceId: demo.workspaceId, password } });
    say(`Open ${url} and sign in as ${user.email} with password ${password}`);
    if (demoTwilio) {
      await connectDemoTwilio(tally, demo.workspaceId);
      say(
        `Demo mode: Twilio calls go to a local fake Twilio at ${demoTwilio.url} (set TALLY_DEMO=0 to use Twilio's API).`,
      );
    }
  }

  // Every process renews: each period's grant exists once whichever process makes it, and a start after
  // downtime catches up every missed period.
  const renew = () =>
    renewDue({ ctx: tally.ctx }).catch((error: unknown) => logger.error({ err: error }, 'subscription renewal failed'));
  await renew();
  const renewer = setInterval(() => void renew(), 60_000);
  renewer.unref();

  // Expiry never waits for this (every read ignores expired grants); it only writes the expiry lines soon after.
  const sweeper = setInterval(() => {
    sweepExpired({ ctx: tally.ctx }).catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'));
  }, 60_000);
  sweeper.unref();

  const webhooks = new WebhookWorker({
    ctx: tally.ctx,
    timeoutMs: config.webhookTimeoutMs,
    pollMs: config.webhookPollMs,
    onError: (error) => logger.error({ err: error }, 'webhook delivery round failed'),
  });
  webhooks.start();
  const payer = new AutoTopUpPayer({
    ctx: tally.ctx,
    returnUrl: `${config.publicUrl ?? url}/upgrade`,
    onError: (error) => logger.error({ err: error }, 'auto top-up payment round failed'),
  });
  payer.start();
  const email = await prepareEmail({
    ctx: tally.ctx,
    input: {
      smtpUrl: config.smtpUrl,
      mailFrom: config.mailFrom,
      publicUrl: config.publicUrl ?? url,
      pollMs: config.webhookPollMs,
      onError: (error) => logger.error({ err: error }, 'e-mail round failed'),
    },
  });
  say(email.line);
  email.worker?.start();

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      clearInterval(renewer);
      await webhooks.stop();
      await payer.stop();
      await email.worker?.stop();
      await tally.server.close();
      await store.close();
      await demoTwilio?.stop();
    })();
    return closing;
  };
  return { url, close };
}

/** `npm start`: run until SIGTERM/SIGINT, then finish in-flight requests and exit. */
export async function serve(config: Config): Promise<void> {
  // The handlers go in before start-up begins: a signal that arrives while Tally is still starting
  // waits for the start to finish, then closes it, instead of being lost or killing it half-way.
  const started = startTally(config);
  const stop = async (signal: string) => {
    console.log(`${signal}: finishing in-flight requests`);
    const tally = await started.catch(() => process.exit(1));
    await tally.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  await started;
}

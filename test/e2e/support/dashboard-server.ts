import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type TallyApp } from '../../../src/app.ts';
import type { PaymentsMode } from '../../../src/billing/payments-mode.ts';
import { seedDemo } from '../../../src/demo/seed.ts';
import { openSqlite } from '../../../src/store/sqlite/open.ts';
import type { Store } from '../../../src/store/store.ts';
import { ensureDemoUser } from '../../../src/users/users.ts';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET } from '../../fakes/stripe-server.ts';
import { DEMO_TWILIO_ACCOUNT_SID, DEMO_TWILIO_AUTH_TOKEN, demoAccount } from '../../fakes/twilio-demo-account.ts';
import { FakeTwilio } from '../../fakes/twilio-server.ts';
import { TEST_ADMIN_KEY } from '../../support/http.ts';

export const DEMO_PASSWORD = 'e2e demo password';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read reply fields directly and assert on them
  body: any;
}

export interface RunningServer {
  url: string;
  app: TallyApp;
  /** JSON over loopback with an optional bearer key. */
  call(method: string, path: string, options?: { key?: string; body?: unknown }): Promise<Reply>;
  close(): Promise<void>;
}

/** The server on a loopback port; built with buildApp so the Twilio cache can be made short. */
async function listen(app: TallyApp): Promise<RunningServer> {
  const url = await app.server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    app,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
      };
    },
    close: () => app.server.close(),
  };
}

export interface DashboardServer {
  server: RunningServer;
  store: Store;
  twilio: FakeTwilio;
  workspaceId: string;
  /** A workspace key with every scope, for the test's own API calls and to record usage. */
  key: string;
  email: string;
  password: string;
  close(): Promise<void>;
}

/**
 * The real server on a real SQLite file with the demo's three months of usage, its demo user, and
 * its Twilio account connected to the local fake Twilio. Twilio figures go stale after a second
 * so a test can watch the card react to a Twilio failure.
 */
export async function startDashboardServer(
  options: {
    connectTwilio?: boolean;
    payments?: PaymentsMode;
    upgradeUrl?: string;
    embedOrigins?: string[];
    /** A clock stopped at this instant, for a test about particular days (a DST change); else the real clock. */
    now?: Date;
    /** A fake Stripe's URL: payments then go through it. */
    stripeApiUrl?: string;
  } = {},
): Promise<DashboardServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-e2e-'));
  const store = await openSqlite(join(dir, 'tally.db'), { synchronous: 'normal' });
  const twilio = await FakeTwilio.start({ accounts: [demoAccount()] });
  const app = await buildApp({
    store,
    clock: () => options.now ?? new Date(),
    logger: false,
    config: {
      adminKey: TEST_ADMIN_KEY,
      rateLimitPerMinute: 0,
      bodyLimitBytes: 1_048_576,
      twilioApiUrl: twilio.url,
      // As the demo: a pack or a plan is granted at once, unless a test turns payments off.
      payments: options.payments ?? (options.stripeApiUrl ? 'stripe' : 'manual'),
      ...(options.stripeApiUrl
        ? {
            stripeApiUrl: options.stripeApiUrl,
            stripeSecretKey: FAKE_STRIPE_SECRET_KEY,
            stripeWebhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
          }
        : {}),
      ...(options.upgradeUrl ? { upgradeUrl: options.upgradeUrl } : {}),
      embedOrigins: options.embedOrigins ?? [],
    },
    twilio: { ttlMs: 1000, retryAfterFailureMs: 500, timeoutMs: 1500 },
  });
  const server = await listen(app);
  const now = options.now ?? new Date();
  const demo = await seedDemo({ ctx: server.app.ctx, input: { asOf: now } });
  await ensureDemoUser({ ctx: app.ctx, input: { workspaceId: demo.workspaceId, password: DEMO_PASSWORD } });
  if (options.connectTwilio !== false) {
    await server.app.ctx.twilio.connect({
      workspaceId: demo.workspaceId,
      credentials: { accountSid: DEMO_TWILIO_ACCOUNT_SID, authToken: DEMO_TWILIO_AUTH_TOKEN },
    });
  }
  const issued = await server.call('POST', `/v1/workspaces/${demo.workspaceId}/keys`, {
    key: TEST_ADMIN_KEY,
    body: { scopes: ['ingest', 'read', 'admin'], name: 'e2e' },
  });
  return {
    server,
    store,
    twilio,
    workspaceId: demo.workspaceId,
    key: issued.body.key,
    email: 'demo@tally.local',
    password: DEMO_PASSWORD,
    async close() {
      await server.close();
      await twilio.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

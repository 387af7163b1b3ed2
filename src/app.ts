import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { observeAlertLevels } from './alerts/alert-levels.ts';
import { billingWebhooks } from './alerts/billing-webhooks.ts';
import { getThreshold, observeCreditAlerts } from './alerts/credit-alerts.ts';
import { observeSpendLimits } from './alerts/limit-alerts.ts';
import { observeAutoTopUps } from './billing/auto-top-up/observer.ts';
import { Catalog, DEFAULT_CATALOG } from './billing/catalog.ts';
import { stripeClients } from './billing/context.ts';
import { defaultPayments } from './billing/payments-mode.ts';
import { type Config, DEFAULT_CONFIG } from './config.ts';
import type { Clock } from './domain/clock.ts';
import { dashboardRoutes } from './http/dashboard.ts';
import { createMetrics } from './http/metrics.ts';
import { accountRoutes } from './http/routes/account.ts';
import { agentRoutes } from './http/routes/agents.ts';
import { alertLevelRoutes } from './http/routes/alert-levels.ts';
import { alertRoutes } from './http/routes/alerts.ts';
import { autoTopUpRoutes } from './http/routes/auto-top-up.ts';
import { billingRoutes } from './http/routes/billing.ts';
import { billingHistoryRoutes } from './http/routes/billing-history.ts';
import { conversationRoutes } from './http/routes/conversations.ts';
import { dashboardSessionRoutes } from './http/routes/dashboard-sessions.ts';
import { emailNoticeRoutes } from './http/routes/email-notices.ts';
import { ingestRoutes } from './http/routes/ingest.ts';
import { rateCardRoutes } from './http/routes/rate-cards.ts';
import { responseRoutes } from './http/routes/responses.ts';
import { sessionRoutes } from './http/routes/session.ts';
import { settingsRoutes } from './http/routes/settings.ts';
import { spendLimitRoutes } from './http/routes/spend-limits.ts';
import { stripeWebhookRoutes } from './http/routes/stripe-webhook.ts';
import { twilioRoutes } from './http/routes/twilio.ts';
import { usageRoutes } from './http/routes/usage.ts';
import { webhookRoutes } from './http/routes/webhooks.ts';
import { workspaceRoutes } from './http/routes/workspaces.ts';
import { buildServer } from './http/server.ts';
import { sessionAuthenticator } from './http/session-auth.ts';
import { authenticateKey, hashKey } from './keys/api-keys.ts';
import { ChargeCoalescer } from './ledger/charge-coalescer.ts';
import { listWorkspaces } from './ledger/workspaces.ts';
import type { Store } from './store/store.ts';
import { TwilioService, type TwilioServiceOptions } from './twilio/twilio-service.ts';

export interface AppDeps {
  store: Store;
  config: Pick<Config, 'adminKey' | 'rateLimitPerMinute' | 'bodyLimitBytes' | 'twilioApiUrl'> &
    Partial<
      Pick<
        Config,
        | 'sessionIdleMinutes'
        | 'sessionMaxHours'
        | 'signInAttempts'
        | 'publicUrl'
        | 'embedOrigins'
        | 'webDir'
        | 'stripeApiUrl'
        | 'stripeSecretKey'
        | 'stripeWebhookSecret'
        | 'chargeQueueLimit'
        | 'payments'
        | 'upgradeUrl'
      >
    >;
  clock: Clock;
  logger: FastifyBaseLogger | false;
  catalog?: Catalog;
  /** Seals stored Twilio secrets and webhook signing secrets: main.ts passes `loadSecretKey(...)`. Left out (tests), a throwaway key is used. */
  secretKey?: Uint8Array;
  /** Twilio timeouts and cache lifetimes; the defaults suit production. */
  twilio?: Pick<TwilioServiceOptions, 'timeoutMs' | 'ttlMs' | 'retryAfterFailureMs' | 'verifyTimeoutMs'>;
}

/** Builds every service on one store and clock, and the HTTP server over them. Used by main.ts and the tests alike. */
export async function buildApp(deps: AppDeps) {
  const { store, config, clock } = deps;
  const secretKey = deps.secretKey ?? randomBytes(32);
  const catalog = deps.catalog ?? new Catalog(DEFAULT_CATALOG);
  const stripe =
    config.stripeSecretKey && config.stripeWebhookSecret
      ? {
          secretKey: config.stripeSecretKey,
          webhookSecret: config.stripeWebhookSecret,
          apiUrl: config.stripeApiUrl ?? null,
        }
      : null;
  // A caller that does not choose (a test) gets what an unset TALLY_PAYMENTS gives outside the demo.
  const payments = config.payments ?? defaultPayments({ stripeKeys: stripe !== null, demo: false });
  const upgradeUrl = config.upgradeUrl ?? null;
  // What every verb runs on (docs/architecture.md, "One service shape"); each module's context adds its parts.
  const ctx = {
    store,
    clock,
    catalog,
    secretKey,
    // Concurrent charges of one workspace share a transaction: see ChargeCoalescer.
    charges: new ChargeCoalescer({ ctx: { store, clock }, queueLimit: config.chargeQueueLimit }),
    payments,
    stripe: stripeClients(stripe, payments),
    events: billingWebhooks,
    upgradeUrl,
    lowCreditThreshold: getThreshold,
    adminKeyHash: config.adminKey ? hashKey(config.adminKey) : null,
    sessionLimits: {
      idleMs: (config.sessionIdleMinutes ?? DEFAULT_CONFIG.sessionIdleMinutes) * 60_000,
      maxMs: (config.sessionMaxHours ?? DEFAULT_CONFIG.sessionMaxHours) * 3_600_000,
    },
    signInLimit: { attempts: config.signInAttempts ?? DEFAULT_CONFIG.signInAttempts, windowMs: 15 * 60_000 },
    // A component: its caches of Twilio figures live as long as the app.
    twilio: new TwilioService({
      ctx: { store, clock },
      secretKey,
      baseUrl: config.twilioApiUrl,
      ...deps.twilio,
      ...(deps.logger ? { logger: deps.logger } : {}),
    }),
  };
  const metrics = createMetrics();
  // Watches every ledger transaction on this store, so credit crossings reach the outbox in the same commit.
  observeCreditAlerts({ ctx });
  observeSpendLimits({ ctx });
  observeAlertLevels({ ctx });
  // Decides top-ups in every ledger transaction on this store; main.ts starts its payer.
  observeAutoTopUps({ ctx });

  const cookiePolicy = { publicUrl: config.publicUrl ?? null, embedOrigins: config.embedOrigins ?? [] };
  const server = await buildServer({
    logger: deps.logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    // The database answers a read of the ledger.
    ready: async () => {
      await listWorkspaces({ ctx, input: { after: null, limit: 1 } });
    },
    authenticators: [
      async (request) => {
        const header = request.headers.authorization;
        if (!header?.startsWith('Bearer ')) return null;
        return authenticateKey({ ctx, input: { key: header.slice(7).trim() } });
      },
      sessionAuthenticator(ctx),
    ],
    routes: [
      workspaceRoutes(ctx),
      ingestRoutes(ctx),
      responseRoutes(ctx, metrics),
      accountRoutes(ctx),
      billingRoutes(ctx, { publicUrl: config.publicUrl ?? null, upgradeUrl }),
      agentRoutes(ctx),
      stripeWebhookRoutes(ctx),
      rateCardRoutes(ctx),
      usageRoutes(ctx),
      conversationRoutes(ctx),
      billingHistoryRoutes(ctx),
      settingsRoutes(ctx),
      twilioRoutes(ctx),
      alertRoutes(ctx),
      spendLimitRoutes(ctx),
      autoTopUpRoutes(ctx),
      alertLevelRoutes(ctx),
      emailNoticeRoutes(ctx, cookiePolicy.embedOrigins),
      webhookRoutes(ctx),
      sessionRoutes(ctx, cookiePolicy),
      // After sessionRoutes, which registers the cookie plugin it sets cookies with.
      dashboardSessionRoutes(ctx, cookiePolicy),
      // Last: its catch-all serves the page for every path no other route claims.
      dashboardRoutes(config.webDir ?? DEFAULT_CONFIG.webDir, cookiePolicy.embedOrigins),
    ],
  });
  return {
    ctx,
    server,
    catalog,
    metrics,
    secretKey,
  };
}

export type TallyApp = Awaited<ReturnType<typeof buildApp>>;

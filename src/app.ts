import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { AlertLevels } from './alerts/alert-levels.ts';
import { billingWebhooks } from './alerts/billing-webhooks.ts';
import { CreditAlerts } from './alerts/credit-alerts.ts';
import { EmailNotices } from './alerts/email-notices.ts';
import { observeSpendLimits } from './alerts/limit-alerts.ts';
import { WebhookSubscriptions } from './alerts/subscriptions.ts';
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
import { ApiKeys } from './keys/api-keys.ts';
import { createLedger } from './ledger/ledger.ts';
import { listWorkspaces } from './ledger/workspaces.ts';
import { createConversationReads } from './reports/conversations.ts';
import { createReports } from './reports/reports.ts';
import { createSettings } from './reports/settings.ts';
import type { Store } from './store/store.ts';
import { TwilioService, type TwilioServiceOptions } from './twilio/twilio-service.ts';
import { DashboardAuth } from './users/dashboard-auth.ts';

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
  const alerts = new CreditAlerts(store);
  // What every verb runs on (docs/architecture.md, "One service shape"); each module's context adds its parts.
  const ctx = {
    store,
    clock,
    catalog,
    payments,
    stripe: stripeClients(stripe, payments),
    events: billingWebhooks,
    upgradeUrl,
    lowCreditThreshold: ({ input }: { input: { workspaceId: string } }) => alerts.thresholdOf(input.workspaceId),
  };
  const ledger = createLedger(store, clock, { chargeQueueLimit: config.chargeQueueLimit });
  const keys = new ApiKeys(store, config.adminKey);
  const metrics = createMetrics();
  const reports = createReports(store, catalog, clock);
  // Watches every ledger transaction on this store, so credit crossings reach the outbox in the same commit.
  alerts.observeLedger();
  observeSpendLimits(store);
  const levels = new AlertLevels(store);
  levels.observeLedger();
  const emailNotices = new EmailNotices(store, secretKey);
  const webhooks = new WebhookSubscriptions(store, secretKey);
  // Decides top-ups in every ledger transaction on this store; main.ts starts its payer.
  observeAutoTopUps({ ctx });
  const twilio = new TwilioService({
    store,
    secretKey,
    baseUrl: config.twilioApiUrl,
    ...deps.twilio,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const dashboardAuth = new DashboardAuth(store, clock, {
    sessions: {
      idleMs: (config.sessionIdleMinutes ?? DEFAULT_CONFIG.sessionIdleMinutes) * 60_000,
      maxMs: (config.sessionMaxHours ?? DEFAULT_CONFIG.sessionMaxHours) * 3_600_000,
    },
    signInLimit: { attempts: config.signInAttempts ?? DEFAULT_CONFIG.signInAttempts, windowMs: 15 * 60_000 },
  });

  const cookiePolicy = { publicUrl: config.publicUrl ?? null, embedOrigins: config.embedOrigins ?? [] };
  const server = await buildServer({
    logger: deps.logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    // The database answers a read of the ledger.
    ready: async () => {
      await listWorkspaces(store, null, 1);
    },
    authenticators: [
      async (request) => {
        const header = request.headers.authorization;
        if (!header?.startsWith('Bearer ')) return null;
        return keys.authenticate(header.slice(7).trim());
      },
      sessionAuthenticator(dashboardAuth),
    ],
    routes: [
      workspaceRoutes(ledger, keys, clock, ctx),
      ingestRoutes(ledger),
      responseRoutes(ledger, metrics),
      accountRoutes(ledger, ctx),
      billingRoutes(ctx, { publicUrl: config.publicUrl ?? null, upgradeUrl }),
      agentRoutes(ctx),
      stripeWebhookRoutes(ctx),
      rateCardRoutes(ledger),
      usageRoutes(reports),
      conversationRoutes(createConversationReads(store, clock, secretKey)),
      billingHistoryRoutes(ctx),
      settingsRoutes(createSettings(store, clock)),
      twilioRoutes(twilio, clock),
      alertRoutes(alerts, clock),
      spendLimitRoutes(ledger),
      autoTopUpRoutes(ctx),
      alertLevelRoutes(levels, clock),
      emailNoticeRoutes(emailNotices, clock, cookiePolicy.embedOrigins),
      webhookRoutes(webhooks, clock),
      sessionRoutes(dashboardAuth, cookiePolicy),
      // After sessionRoutes, which registers the cookie plugin it sets cookies with.
      dashboardSessionRoutes(dashboardAuth, cookiePolicy),
      // Last: its catch-all serves the page for every path no other route claims.
      dashboardRoutes(config.webDir ?? DEFAULT_CONFIG.webDir, cookiePolicy.embedOrigins),
    ],
  });
  return {
    ctx,
    server,
    ledger,
    keys,
    catalog,
    metrics,
    reports,
    twilio,
    dashboardAuth,
    alerts,
    levels,
    webhooks,
    secretKey,
  };
}

export type TallyApp = Awaited<ReturnType<typeof buildApp>>;

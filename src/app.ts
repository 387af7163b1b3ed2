import type { FastifyBaseLogger } from 'fastify';
import { Catalog, DEFAULT_CATALOG } from './billing/catalog.ts';
import { PlanInsights } from './billing/insights.ts';
import type { Config } from './config.ts';
import { createMetrics } from './http/metrics.ts';
import { accountRoutes } from './http/routes/account.ts';
import { ingestRoutes } from './http/routes/ingest.ts';
import { responseRoutes } from './http/routes/responses.ts';
import { workspaceRoutes } from './http/routes/workspaces.ts';
import { buildServer } from './http/server.ts';
import { ApiKeys } from './keys/api-keys.ts';
import { type Clock, createLedger } from './ledger/ledger.ts';
import type { Store } from './store/store.ts';

export interface AppDeps {
  store: Store;
  config: Pick<Config, 'adminKey' | 'rateLimitPerMinute' | 'bodyLimitBytes' | 'twilioApiUrl'>;
  clock: Clock;
  logger: FastifyBaseLogger | false;
  catalog?: Catalog;
}

/** Builds every service on one store and clock, and the HTTP server over them. Used by main.ts and the tests alike. */
export async function buildApp(deps: AppDeps) {
  const { store, config, clock } = deps;
  const catalog = deps.catalog ?? new Catalog(DEFAULT_CATALOG);
  const ledger = createLedger(store, clock);
  const keys = new ApiKeys(store, config.adminKey);
  const metrics = createMetrics();
  const insights = new PlanInsights(store, catalog, '/upgrade');

  const server = await buildServer({
    logger: deps.logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    ready: async () => {
      await store.db.selectFrom('workspaces').select('id').limit(1).execute();
    },
    authenticators: [
      async (request) => {
        const header = request.headers.authorization;
        if (!header?.startsWith('Bearer ')) return null;
        return keys.authenticate(header.slice(7).trim());
      },
    ],
    routes: [
      workspaceRoutes(ledger, keys, clock, catalog),
      ingestRoutes(ledger),
      responseRoutes(ledger, metrics),
      accountRoutes(ledger, insights),
    ],
  });
  return { server, ledger, keys, catalog, metrics };
}

export type TallyApp = Awaited<ReturnType<typeof buildApp>>;

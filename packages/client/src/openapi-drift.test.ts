import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../src/store/sqlite/open.ts';
import type { Store } from '../../../src/store/store.ts';
import { startServer, type TestServer } from '../../../test/support/http.ts';
import { TallyClient } from './client.ts';
import { ROUTES, type RouteName } from './routes.ts';

/**
 * A request each client method sends, as the method builds it (params fill the path). `satisfies`
 * makes a new route without a sample a compile error, so nothing escapes the check below.
 */
const SAMPLES = {
  createConversation: { body: { id: 'chat-1', channel: 'chat', agentId: 'bot', startedAt: '2026-11-25T07:31:19Z' } },
  chargeResponse: {
    body: {
      id: 'resp-1',
      conversationId: 'chat-1',
      channel: 'chat',
      agentId: 'bot',
      features: ['voice:elevenlabs'],
      occurredAt: '2026-11-25T07:31:19Z',
      reservationId: 'hold_1',
    },
  },
  chargeBatch: { body: { responses: [{ id: 'resp-1', conversationId: 'chat-1', channel: 'chat', agentId: 'bot' }] } },
  check: { body: { features: ['voice:elevenlabs'], count: 2, agentId: 'bot' } },
  reserve: { body: { features: ['voice:elevenlabs'], count: 1, ttlSeconds: 30, agentId: 'bot' } },
  commit: {
    body: { id: 'resp-1', conversationId: 'chat-1', channel: 'call', agentId: 'bot', features: ['voice:elevenlabs'] },
  },
  release: {},
  refund: { body: { reason: 'the caller hung up' } },
  purchase: { body: { pack: 'pack-500' } },
  balance: {},
  spendLimits: {},
  setSpendLimits: {
    body: { workspace: { credits: 500, mode: 'alert' }, agents: [{ agentId: 'bot', credits: 2.5, mode: 'block' }] },
  },
  usageSummary: { query: ['from', 'to'] },
  createDashboardSession: { body: { role: 'viewer', returnUrl: 'https://app.example.com/', ttlSeconds: 300 } },
  createWorkspaceDashboardSession: { body: { role: 'admin', ttlSeconds: 60 } },
  createWorkspace: { body: { name: 'Acme', plan: 'starter' } },
  createKey: { body: { scopes: ['ingest', 'read'], name: 'runtime' } },
  grant: {
    body: {
      id: 'g1',
      amount: 1.5,
      source: 'promotion',
      reason: 'welcome',
      expiresAt: '2026-12-31T00:00:00Z',
      effectiveAt: '2026-11-25T00:00:00Z',
      priority: 1,
    },
  },
  createWebhook: {
    body: { url: 'https://ops.example.com/hooks', events: ['credits.low'], description: 'pager' },
  },
} satisfies Record<RouteName, { body?: unknown; query?: string[] }>;

interface Operation {
  requestBody?: unknown;
  parameters?: Array<{ in: string; name: string }>;
}

describe('the client and the OpenAPI description a real Tally serves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-drift-'));
  let store: Store;
  let server: TestServer;
  // biome-ignore lint/suspicious/noExplicitAny: the spec is read as the JSON document it is
  let spec: any;
  beforeAll(async () => {
    store = await openSqlite(join(dir, 'tally.db'));
    server = await startServer(store);
    spec = (await server.call('GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a route for every method the client exposes', () => {
    const methods = Object.getOwnPropertyNames(TallyClient.prototype).filter((name) => name !== 'constructor');
    expect(methods.sort()).toEqual(Object.keys(ROUTES).sort());
  });

  describe.each(Object.keys(ROUTES) as RouteName[])('%s', (name) => {
    const route = ROUTES[name];
    const sample: { body?: unknown; query?: string[] } = SAMPLES[name];
    const operation = (): Operation => spec.paths?.[route.path]?.[route.method.toLowerCase()];

    it(`is ${route.method} ${route.path} in the spec`, () => {
      expect(operation()).toBeDefined();
    });

    it('sends a body the spec accepts, and only when the spec takes one', () => {
      const requestBody = operation().requestBody as { content?: Record<string, { schema: unknown }> } | undefined;
      if (sample.body === undefined) {
        expect(requestBody).toBeUndefined();
        return;
      }
      const schema = requestBody?.content?.['application/json']?.schema;
      expect(schema).toBeDefined();
      const ajv = new Ajv2020({ strict: false });
      addFormats.default(ajv);
      ajv.addSchema({ ...spec, $id: 'openapi.json' });
      const pointer = `/paths/${route.path.replaceAll('~', '~0').replaceAll('/', '~1')}/${route.method.toLowerCase()}/requestBody/content/application~1json/schema`;
      const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      expect(validate(sample.body), JSON.stringify(validate.errors)).toBe(true);
    });

    it('sends only query parameters and headers the spec declares', () => {
      const declared = (where: string) =>
        (operation().parameters ?? []).filter((p) => p.in === where).map((p) => p.name.toLowerCase());
      expect(declared('query')).toEqual(expect.arrayContaining(sample.query ?? []));
      expect(declared('header')).toEqual(expect.arrayContaining('keyed' in route ? ['idempotency-key'] : []));
    });
  });
});

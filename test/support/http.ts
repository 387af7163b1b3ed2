import { afterEach, beforeEach } from 'vitest';
import { type AppDeps, buildApp, type TallyApp } from '../../src/app.ts';
import { Catalog, DEFAULT_CATALOG } from '../../src/billing/catalog.ts';
import type { Store } from '../../src/store/store.ts';
import { TestClock } from './clock.ts';

export const TEST_ADMIN_KEY = 'test-operator-key-0123456789abcdef';

/**
 * The default plans with no credits per period: creating a workspace then grants nothing, so a test
 * counts exactly the credits it grants. Billing tests pass the catalog whose allocations they test.
 */
export const NO_ALLOCATION_CATALOG = new Catalog({
  ...DEFAULT_CATALOG,
  plans: DEFAULT_CATALOG.plans.map((plan) => ({ ...plan, creditsPerPeriod: 0 })),
});

export interface TestServer {
  url: string;
  app: TallyApp;
  close(): Promise<void>;
  /** JSON over real HTTP on loopback. */
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: tests read reply fields directly and assert on them
    body: any;
    headers: Headers;
  }>;
  /** A workspace with a key holding every scope, and optional credits granted. */
  workspace(credits?: number, plan?: string): Promise<{ id: string; key: string }>;
  /** A further key of the workspace, issued by the operator, holding only these scopes. */
  key(workspaceId: string, scopes: string[]): Promise<string>;
}

export type ServerOverrides = Partial<Omit<AppDeps, 'store' | 'config'>> & { config?: Partial<AppDeps['config']> };

export async function startServer(store: Store, overrides: ServerOverrides = {}): Promise<TestServer> {
  const app = await buildApp({
    store,
    clock: overrides.clock ?? (() => new Date()),
    logger: overrides.logger ?? false,
    catalog: overrides.catalog ?? NO_ALLOCATION_CATALOG,
    config: {
      adminKey: TEST_ADMIN_KEY,
      rateLimitPerMinute: 0,
      bodyLimitBytes: 1_048_576,
      twilioApiUrl: 'http://127.0.0.1:9',
      ...overrides.config,
    },
  });
  const address = await app.server.listen({ port: 0, host: '127.0.0.1' });
  const call: TestServer['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(`${address}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (CSV, HTML, metrics): the raw text is the body
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  let counter = 0;
  const key: TestServer['key'] = async (workspaceId, scopes) => {
    const issued = await call('POST', `/v1/workspaces/${workspaceId}/keys`, { key: TEST_ADMIN_KEY, body: { scopes } });
    if (issued.status !== 201) throw new Error(`key: ${issued.status} ${JSON.stringify(issued.body)}`);
    return issued.body.key;
  };
  return {
    url: address,
    app,
    close: () => app.server.close(),
    call,
    async workspace(credits = 0, plan = 'free') {
      const ws = await call('POST', '/v1/workspaces', {
        key: TEST_ADMIN_KEY,
        body: { name: `Test ${++counter}`, plan },
      });
      if (ws.status !== 201) throw new Error(`workspace: ${ws.status} ${JSON.stringify(ws.body)}`);
      const everyScope = await key(ws.body.id, ['ingest', 'read', 'admin']);
      if (credits > 0) {
        const grant = await call('POST', `/v1/workspaces/${ws.body.id}/grants`, {
          key: TEST_ADMIN_KEY,
          body: { id: 'initial', amount: credits, source: 'promotion', reason: 'test credits' },
        });
        if (grant.status !== 201) throw new Error(`grant: ${grant.status} ${JSON.stringify(grant.body)}`);
      }
      return { id: ws.body.id, key: everyScope };
    },
    key,
  };
}

let chats = 0;

/** Charges `count` 1-credit chats at once; returns their statuses. */
export async function chargeChats(server: TestServer, key: string, count: number): Promise<number[]> {
  const replies = await Promise.all(
    Array.from({ length: count }, () =>
      server.call('POST', '/v1/responses', {
        key,
        body: { id: `chat-${++chats}`, conversationId: `c-${chats}`, channel: 'chat', agentId: 'a1' },
      }),
    ),
  );
  return replies.map((reply) => reply.status);
}

/** What a test's server is started with; with `startsAt`, the server reads a TestClock set to it. */
export type ServeOptions = ServerOverrides & { startsAt?: string };

/**
 * A server on the test's store that each test starts with `start`, with what it needs, and that is
 * closed after the test. `server` stands for the running test's server; `clock` is the server's when
 * it was started with `startsAt`.
 */
export function serverPerTest(ctx: { store: Store }): {
  server: TestServer;
  clock: TestClock;
  start(options?: ServeOptions): Promise<TestServer>;
} {
  const clock = new TestClock();
  let running: TestServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  const current = (): TestServer => {
    if (!running) throw new Error('no server: the test has not started one');
    return running;
  };
  const server: TestServer = {
    get url() {
      return current().url;
    },
    get app() {
      return current().app;
    },
    close: () => current().close(),
    call: (...args) => current().call(...args),
    workspace: (...args) => current().workspace(...args),
    key: (...args) => current().key(...args),
  };
  async function start({ startsAt, ...overrides }: ServeOptions = {}) {
    if (startsAt !== undefined) {
      clock.set(startsAt);
      overrides.clock = clock.now;
    }
    running = await startServer(ctx.store, overrides);
    return running;
  }
  return { server, clock, start };
}

/** Charges one response of an agent, a call (voiced: voice:elevenlabs) or a chat; throws unless it is charged. */
export async function chargeOverHttp(
  server: TestServer,
  key: string,
  response: { id: string; conversationId: string; channel: 'call' | 'chat'; agentId: string; occurredAt: string },
): Promise<void> {
  const voiced = response.channel === 'call' ? { features: ['voice:elevenlabs'] } : {};
  const reply = await server.call('POST', '/v1/responses', { key, body: { ...response, ...voiced } });
  if (reply.status !== 201) throw new Error(`chargeOverHttp: ${reply.status} ${JSON.stringify(reply.body)}`);
}

type EachTest<Options> = Options | (() => Options);

/**
 * serverPerTest with the server started before each test. Options given as a function are read
 * before each test, after the hooks registered before this call (a fake the server calls, started first).
 */
export function serveEachTest(
  ctx: { store: Store },
  options: EachTest<Omit<ServerOverrides, 'clock'> & { startsAt: string }>,
): { server: TestServer; clock: TestClock };
export function serveEachTest(ctx: { store: Store }, options?: EachTest<ServerOverrides>): { server: TestServer };
export function serveEachTest(
  ctx: { store: Store },
  options: EachTest<ServeOptions> = {},
): { server: TestServer; clock: TestClock } {
  const { server, clock, start } = serverPerTest(ctx);
  beforeEach(async () => {
    await start(typeof options === 'function' ? options() : options);
  });
  return { server, clock };
}

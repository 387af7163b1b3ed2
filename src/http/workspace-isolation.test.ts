import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FAKE_STRIPE_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, FakeStripe } from '../../test/fakes/stripe-server.ts';
import type { FakeTwilio } from '../../test/fakes/twilio-server.ts';
import { startServer, TEST_ADMIN_KEY, type TestServer } from '../../test/support/http.ts';
import { call as callAt, field } from '../../test/support/http-call.ts';
import { describeStores } from '../../test/support/stores.ts';
import {
  expectStatus,
  liveFullLife,
  startTwilioOfBoth,
  type WorkspaceLife,
} from '../../test/support/workspace-life.ts';
import { Catalog, DEFAULT_CATALOG } from '../billing/catalog.ts';
import { createUser } from '../users/users.ts';

/*
 * One workspace never sees another's data, on both stores: workspace A's key (and A's dashboard
 * session) gets 404 for every id of workspace B on every route that takes an id (the list is read
 * from /openapi.json, so a new route needs a probe here), A's lists show nothing of B, A reusing B's
 * ids gets A's own resources, and none of it moves a row of B.
 */

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const TWILIO_A = { sid: `AC${hex(16)}`, authToken: `TwTokenA${hex(9)}` };
const TWILIO_B = {
  sid: `AC${hex(16)}`,
  authToken: `TwTokenB${hex(9)}`,
  apiKeySid: `SK${hex(16)}`,
  apiKeySecret: hex(16),
};
const EMAIL = 'owner@alpha.test';
const PASSWORD = `Pw-${hex(8)}`;

interface Key {
  id: string;
  key: string;
  prefix: string;
}

/** Workspace B, with every id it chooses carrying `mark`, so a leak into A's replies is a plain substring. */
type Bravo = { id: string; mark: string; key: Key } & WorkspaceLife;

interface Alpha {
  id: string;
  key: Key;
  responses: string[];
  cookie: string;
  csrf: string;
}

let twilio: FakeTwilio;
let stripe: FakeStripe;

beforeAll(async () => {
  twilio = await startTwilioOfBoth(TWILIO_A, TWILIO_B);
  stripe = await FakeStripe.start();
});

afterAll(async () => {
  await stripe?.stop();
  await twilio?.stop();
});

function chat(id: string, extra: Record<string, unknown> = {}) {
  return { id, conversationId: 'a-conv', channel: 'chat', agentId: 'a-agent', ...extra };
}

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v));

/** Every row of every table that has a workspace_id, for one workspace: what "B did not move" compares. */
async function workspaceRows(
  store: Parameters<typeof startServer>[0],
  schema: string | null,
  workspaceId: string,
): Promise<string> {
  const tables = (await store.db.introspection.getTables())
    .filter((table) => schema === null || table.schema === schema)
    .filter((table) => table.columns.some((column) => column.name === 'workspace_id'))
    .map((table) => table.name)
    .sort();
  expect(tables.length).toBeGreaterThan(10);
  const rows: Record<string, string[]> = {};
  for (const table of tables) {
    const found = await store.db
      // biome-ignore lint/suspicious/noExplicitAny: every table is read by name from the catalog
      .selectFrom(table as any)
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute();
    rows[table] = found.map(json).sort();
  }
  return json(rows);
}

describeStores('one workspace never sees another', (ctx) => {
  let server: TestServer;
  let A: Alpha;
  let B: Bravo;
  const call = (method: string, path: string, options: Parameters<typeof callAt>[3] = {}) =>
    callAt(server.url, method, path, options);
  const rowsOfB = () => workspaceRows(ctx.store, ctx.location.kind === 'postgres' ? ctx.location.schema : null, B.id);

  /** B's own view through its own key: must read the same before and after everything A tries. */
  const bView = () =>
    Promise.all(
      ['/v1/balance', '/v1/ledger?limit=500', '/v1/agents', '/v1/alerts/threshold', '/v1/usage/summary'].map(
        async (path) => {
          const reply = await call('GET', path, { key: B.key.key });
          expectStatus(reply, 200, `B reads ${path}`);
          return reply.body;
        },
      ),
    );

  async function available(key: string): Promise<number> {
    const reply = await call('GET', '/v1/balance', { key });
    expectStatus(reply, 200, 'balance');
    return field<number>(reply.body, 'available');
  }

  async function openWorkspace(name: string): Promise<{ id: string; key: Key }> {
    const created = await call('POST', '/v1/workspaces', { key: TEST_ADMIN_KEY, body: { name, plan: 'starter' } });
    expectStatus(created, 201, `workspace ${name}`);
    const id = field<string>(created.body, 'id');
    const issued = await call('POST', `/v1/workspaces/${id}/keys`, {
      key: TEST_ADMIN_KEY,
      body: { scopes: ['ingest', 'read', 'admin'], name: `${name} key` },
    });
    expectStatus(issued, 201, `key for ${name}`);
    const key = { id: field<string>(issued.body, 'id'), key: field<string>(issued.body, 'key') };
    return { id, key: { ...key, prefix: field<string>(issued.body, 'prefix') } };
  }

  afterEach(() => server?.close());

  /** Two workspaces, each with a life of its own; B's is full (see liveFullLife). */
  async function twoWorkspaces(): Promise<void> {
    server = await startServer(ctx.store, {
      catalog: new Catalog(DEFAULT_CATALOG),
      config: {
        twilioApiUrl: twilio.url,
        stripeApiUrl: stripe.url,
        stripeSecretKey: FAKE_STRIPE_SECRET_KEY,
        stripeWebhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
      },
    });
    const mark = `bmark-${hex(4)}`;
    const [alpha, bravo] = await Promise.all([openWorkspace('Alpha'), openWorkspace(`Bravo ${mark}`)]);
    A = { ...alpha, responses: [], cookie: '', csrf: '' };
    B = { ...bravo, mark, ...(await liveFullLife(server.url, bravo.key.key, mark, TWILIO_B)) };

    const aCharge = await call('POST', '/v1/responses', { key: A.key.key, body: chat('a-resp-1') });
    expectStatus(aCharge, 201, 'A charge');
    A.responses.push('a-resp-1');
    const connected = await call('PUT', '/v1/twilio', {
      key: A.key.key,
      body: { accountSid: TWILIO_A.sid, authToken: TWILIO_A.authToken },
    });
    expectStatus(connected, 200, 'A Twilio');

    await createUser({ ctx: server.app.ctx, input: { workspaceId: A.id, email: EMAIL, password: PASSWORD } });
    const signedIn = await call('POST', '/v1/session', { body: { email: EMAIL, password: PASSWORD } });
    expectStatus(signedIn, 200, 'sign in');
    A.cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    A.csrf = field<string>(signedIn.body, 'csrfToken');
  }

  it("answers 404 with A's key or session for every id of B, and B does not move", async () => {
    await twoWorkspaces();
    const bRowsBefore = await rowsOfB();
    const bViewBefore = await bView();
    const aAvailable = await available(A.key.key);

    const session = { cookie: A.cookie, 'x-csrf-token': A.csrf };
    type Probe = { route: string; path: string; body?: unknown };
    // Routes a workspace key may call, with B's ids: the answer must be what a made-up id gets.
    const workspaceProbes: Array<Probe & { id: string }> = (
      [
        ['POST /v1/responses/{id}/refund', B.responses[0] ?? '', { reason: 'probe' }],
        ['POST /v1/reservations/{id}/release', B.hold, undefined],
        ['POST /v1/reservations/{id}/commit', B.hold, chat('a-commit-probe')],
        ['DELETE /v1/agents/{id}', B.agent, undefined],
        ['GET /v1/conversations/{id}', B.conversation, undefined],
        ['POST /v1/workspaces/{id}/dashboard-sessions', B.id, {}],
      ] as Array<[string, string, unknown]>
    ).map(([route, id, body]) => ({ route, id, path: route.split(' ')[1]?.replace('{id}', id) ?? '', body }));
    // Operator routes: a workspace key is refused before any id is looked at, with the same answer for B's id as for A's own.
    const operatorProbes: Array<Probe & { own: string }> = (
      [
        ['GET', '/v1/workspaces/{id}', '', undefined],
        ['GET', '/v1/workspaces/{id}/keys', '/keys', undefined],
        ['POST', '/v1/workspaces/{id}/keys', '/keys', { scopes: ['read'] }],
        ['DELETE', '/v1/workspaces/{id}/keys/{keyId}', `/keys/${B.key.id}`, undefined],
        [
          'POST',
          '/v1/workspaces/{id}/grants',
          '/grants',
          { id: 'probe', amount: 1000, source: 'promotion', reason: 'x' },
        ],
        ['GET', '/v1/workspaces/{id}/subscription', '/subscription', undefined],
        ['POST', '/v1/workspaces/{id}/subscription', '/subscription', { plan: 'growth' }],
        ['POST', '/v1/workspaces/{id}/purchases', '/purchases', { pack: 'pack-10000' }],
      ] as Array<[string, string, string, unknown]>
    ).map(([method, template, tail, body]) => ({
      route: `${method} ${template}`,
      path: `/v1/workspaces/${B.id}${tail}`,
      own: `/v1/workspaces/${A.id}${tail}`,
      body,
    }));
    for (const [method, tail] of [
      ['GET', ''],
      ['DELETE', ''],
      ['GET', '/deliveries'],
    ] as const) {
      const id = `wh_${B.mark}`;
      operatorProbes.push({
        route: `${method} /v1/webhooks/{id}${tail}`,
        path: `/v1/webhooks/${id}${tail}`,
        own: `/v1/webhooks/wh_made_up${tail}`,
      });
    }

    // Every route with an id in its path is probed: a new one fails here until it is added above.
    const spec = await call('GET', '/openapi.json');
    expectStatus(spec, 200, 'openapi');
    const idRoutes = Object.entries(field<Record<string, Record<string, unknown>>>(spec.body, 'paths'))
      .filter(([path]) => path.includes('{'))
      .flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(idRoutes).toEqual([...workspaceProbes, ...operatorProbes].map((probe) => probe.route).sort());

    const send = (
      probe: Probe,
      method: string,
      path: string,
      auth: { key?: string; headers?: Record<string, string> },
    ) => call(method, path, { ...auth, body: probe.body });
    for (const probe of workspaceProbes) {
      const method = probe.route.split(' ')[0] ?? '';
      const viaKey = await send(probe, method, probe.path, { key: A.key.key });
      expectStatus(viaKey, 404, `${probe.route} with A's key`);
      expect(field(viaKey.body, 'error', 'code')).toBe('not_found');
      // The same answer as for an id that exists nowhere (the message names the id asked for, nothing else).
      const nowhere = await send(probe, method, probe.path.replace(probe.id, 'made-up-id'), { key: A.key.key });
      expectStatus(nowhere, 404, `${probe.route} made-up id`);
      expect(field<string>(viaKey.body, 'error', 'message').replaceAll(probe.id, 'ID')).toBe(
        field<string>(nowhere.body, 'error', 'message').replaceAll('made-up-id', 'ID'),
      );
      // The dashboard session stands for A with read and admin: where it has the scope, B's ids are 404 too.
      const viaSession = await send(probe, method, probe.path, { headers: session });
      if (method === 'POST' && probe.path.startsWith('/v1/reservations')) {
        expectStatus(viaSession, 403, `${probe.route} with A's session`);
        expect(field(viaSession.body, 'error', 'details')).toEqual({ requiredScope: 'ingest' });
      } else {
        expectStatus(viaSession, 404, `${probe.route} with A's session`);
      }
    }
    for (const probe of operatorProbes) {
      const method = probe.route.split(' ')[0] ?? '';
      const theirs = await send(probe, method, probe.path, { key: A.key.key });
      const own = await send(probe, method, probe.own, { key: A.key.key });
      expectStatus(theirs, 403, `${probe.route} with A's key`);
      expectStatus(own, 403, `${probe.route} with A's key on A`);
      expect(field(theirs.body, 'error', 'code')).toBe('forbidden');
      expect(field(theirs.body, 'error', 'message')).toBe(field(own.body, 'error', 'message'));
      expect(theirs.text).not.toContain(B.mark);
    }

    // The dashboard link page (a browser page, so not in /openapi.json) takes no key, only a
    // workspace id and a token: B's token under A's id, or a made-up token under B's id, opens
    // nothing and signs nobody in.
    for (const path of [`/v1/dashboard-links/${A.id}/${B.linkToken}`, `/v1/dashboard-links/${B.id}/made-up-token`]) {
      const opened = await call('GET', path, { headers: session });
      expectStatus(opened, 410, path);
      expect(opened.headers.get('set-cookie')).toBeNull();
    }

    // B's ids inside a body: a charge against B's hold, alone and in a batch.
    const onHold = await call('POST', '/v1/responses', {
      key: A.key.key,
      body: chat('a-on-b-hold', { reservationId: B.hold }),
    });
    expectStatus(onHold, 404, "charge on B's hold");
    const batch = await call('POST', '/v1/responses/batch', {
      key: A.key.key,
      body: { responses: [chat('a-batch-on-b-hold', { reservationId: B.hold })] },
    });
    expectStatus(batch, 200, "batch on B's hold");
    expect(field(batch.body, 'results')).toMatchObject([{ status: 404, error: { code: 'not_found' } }]);

    // The operator deleting B's key under A's path: the key is not A's, so 404, and it still works.
    const wrongPath = await call('DELETE', `/v1/workspaces/${A.id}/keys/${B.key.id}`, { key: TEST_ADMIN_KEY });
    expectStatus(wrongPath, 404, "B's key under A's path");

    expect(await available(A.key.key)).toBe(aAvailable);
    expect(await bView()).toEqual(bViewBefore);
    expect(await rowsOfB()).toBe(bRowsBefore);
  });

  it("shows nothing of B in any of A's lists", async () => {
    await twoWorkspaces();
    const markers = [
      B.id,
      B.mark,
      B.hold,
      B.key.id,
      B.key.prefix,
      TWILIO_B.sid,
      TWILIO_B.apiKeySid,
      B.checkoutUrl,
      B.checkoutUrl.slice(B.checkoutUrl.lastIndexOf('/') + 1),
    ];
    const lists = [
      '/v1/balance',
      '/v1/ledger?limit=500',
      '/v1/agents',
      '/v1/usage/summary',
      '/v1/usage/history',
      '/v1/usage/history?interval=week',
      '/v1/usage/export.csv',
      '/v1/forecast',
      '/v1/twilio',
      '/v1/subscription',
      '/v1/upgrade-options',
      '/v1/alerts/threshold',
      '/v1/rate-cards',
      '/v1/plans',
    ];
    for (const auth of [{ key: A.key.key }, { headers: { cookie: A.cookie } }]) {
      for (const path of [...lists, ...(auth.headers ? ['/v1/session'] : [])]) {
        const reply = await call('GET', path, auth);
        expectStatus(reply, 200, `A lists ${path}`);
        for (const marker of markers) expect(reply.text, `${path} shows ${marker}`).not.toContain(marker);
      }
    }
    // And the figures are A's alone.
    const summary = await call('GET', '/v1/usage/summary', { key: A.key.key });
    expect(summary.body).toMatchObject({ responses: A.responses.length, chats: 1, calls: 0 });
    const ledger = await call('GET', '/v1/ledger?limit=500', { key: A.key.key });
    const charged = field<Array<{ responseId: string | null }>>(ledger.body, 'lines')
      .map((line) => line.responseId)
      .filter(Boolean);
    expect(charged).toEqual(A.responses);
    const card = await call('GET', '/v1/twilio', { key: A.key.key });
    expect(card.body).toMatchObject({ connected: true, accountSid: TWILIO_A.sid, balance: 12.34 });
    const threshold = await call('GET', '/v1/alerts/threshold', { key: A.key.key });
    expect(field(threshold.body, 'default')).toBe(true);
  });

  it("gives A its own resources when A reuses B's ids, and B does not move", async () => {
    await twoWorkspaces();
    const bRowsBefore = await rowsOfB();
    const bViewBefore = await bView();
    const a = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      call(method, path, { key: A.key.key, body, ...(headers ? { headers } : {}) });
    // Each would be a 200 replay or a 409 conflict if ids were shared between workspaces.
    const conversation = await a('POST', '/v1/conversations', { id: B.conversation, channel: 'call', agentId: 'x' });
    expectStatus(conversation, 201, "A's conversation with B's id");
    for (const id of B.responses) {
      const charged = await a('POST', '/v1/responses', {
        id,
        conversationId: B.conversation,
        channel: 'call',
        agentId: 'x',
      });
      expectStatus(charged, 201, `A's response with B's id ${id}`);
      A.responses.push(id);
    }
    const hold = await a('POST', '/v1/reservations', { count: 2, ttlSeconds: 60 }, { 'idempotency-key': B.holdKey });
    expectStatus(hold, 201, "A's hold with B's Idempotency-Key");
    expect(field(hold.body, 'id')).not.toBe(B.hold);
    expectStatus(await a('POST', `/v1/reservations/${field(hold.body, 'id')}/release`), 200, 'A releases');
    const agent = await a('POST', '/v1/agents', { id: B.agent, name: 'Alpha agent' });
    expectStatus(agent, 201, "A's agent with B's id");
    const checkout = await a('POST', '/v1/purchases', { pack: 'pack-500' }, { 'idempotency-key': B.purchaseKey });
    expectStatus(checkout, 200, "A's checkout with B's Idempotency-Key");
    expect(field(checkout.body, 'checkoutUrl')).not.toBe(B.checkoutUrl);
    // Now A has a response with B's id: refunding it refunds A's.
    const refund = await a('POST', `/v1/responses/${B.responses[0]}/refund`, { reason: 'mine' });
    expectStatus(refund, 200, "A refunds its own response with B's id");

    expect(await bView()).toEqual(bViewBefore);
    expect(await rowsOfB()).toBe(bRowsBefore);
  });
});

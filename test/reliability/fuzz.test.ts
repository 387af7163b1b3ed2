import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_BY_CODE } from '../../src/http/errors.ts';
import { createUser } from '../../src/users/users.ts';
import { openBooks, readBooks } from './support/books.ts';
import { recordFigure } from './support/figures.ts';
import {
  ADMIN_KEY,
  type Books,
  call,
  field,
  postgresBooks,
  sqliteBooks,
  startTally,
  type Tally,
  workspaceWithKey,
} from './support/tally-process.ts';

/*
 * Malformed requests for every route Tally publishes, generated from its own GET /openapi.json and
 * sent to a real Tally child, once on SQLite and once on PostgreSQL. Two rounds:
 *
 * 1. Invalid: a well-formed request for the route, then at least one thing surely broken (a
 *    missing, unknown or repeated field, a wrong JSON type, a value outside the schema, a body that
 *    is not JSON or not JSON-typed, a path id that names nothing, a header over its limit, no key, the
 *    wrong kind of key, a key without the scope, a dashboard write without its CSRF token), plus
 *    up to two more oddities. Sent to the "primary" workspace, which must not change at all: no
 *    write may succeed.
 * 2. Edges: valid requests with one field set to an edge value of the right type (100k-character
 *    strings, 1e300, 5e-324, -0, 1e999, leap seconds, year 0, unicode, NUL). Some are valid and
 *    succeed, so they go to a separate "sandbox" workspace; the primary must still not change.
 *
 * Every answer must be below 500, and every 4xx must be the documented error body (docs/api.md):
 * exactly {error: {code, message, requestId, details?}}, the code's status from STATUS_BY_CODE, the
 * requestId the X-Request-Id header, and every status one /openapi.json declares for the route. Offenders are collected and reported together, each with its
 * method, path, what was broken and the body, so they are easy to replay.
 *
 * Deterministic: fast-check draws from TALLY_FUZZ_SEED (default below); set it to explore further.
 */

const SEED = Number(process.env.TALLY_FUZZ_SEED ?? 20261125);
/** The same requests go to a Tally on each store: a NUL in text, for one, failed only on PostgreSQL. */
const STORES: Array<[string, () => Promise<Books>]> = [
  ['SQLite', async () => sqliteBooks()],
  ['PostgreSQL', postgresBooks],
];
const CASES_PER_ROUTE = 60;
const CONCURRENCY = 8;
const HUGE = 'x'.repeat(100_000);
/** TALLY_BODY_LIMIT_BYTES's default, which the child runs with. */
const BODY_LIMIT_BYTES = 1_048_576;
const NOW = Date.now();
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

// ---------------------------------------------------------------- the published description

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  /** Set here, not by Tally: the route checks these items itself, so breaking one is no sure break. */
  checkedByRoute?: boolean;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

type Principal = 'operator' | 'workspace' | 'none';

interface Operation {
  name: string;
  method: string;
  path: string;
  pathParams: string[];
  query: Parameter[];
  headers: Parameter[];
  body: Schema | null;
  principal: Principal;
  tag: string;
  /** Anything but GET: the round of invalid requests must never see one succeed. */
  mutating: boolean;
  /** Routes without a bearer key whose plain request already fails (unknown sign-in, no cookie, no Stripe). */
  baseFails: boolean;
  /** The statuses the description declares for it: any other answer is a description that lies. */
  declared: string[];
}

interface OpenApiOperation {
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
}

/** A batch's items are checked by the route, not the schema: give them the single route's schema. */
const ITEMS_LIKE: Record<string, string> = { 'POST /v1/responses/batch': 'POST /v1/responses' };

function operationsOf(spec: { paths: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [lower, described] of Object.entries(methods)) {
      const method = lower.toUpperCase();
      const parameters = described.parameters ?? [];
      const tag = described.tags?.[0] ?? '';
      const principal: Principal =
        Array.isArray(described.security) && described.security.length === 0
          ? 'none'
          : tag === 'operator'
            ? 'operator'
            : 'workspace';
      operations.push({
        name: `${method} ${path}`,
        method,
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query'),
        headers: parameters.filter((p) => p.in === 'header'),
        body: described.requestBody?.content?.['application/json']?.schema ?? null,
        principal,
        tag,
        mutating: method !== 'GET',
        baseFails: principal === 'none',
        declared: Object.keys(described.responses ?? {}),
      });
    }
  }
  for (const op of operations) {
    const like = ITEMS_LIKE[op.name];
    const items = operations.find((other) => other.name === like)?.body;
    for (const property of Object.values(op.body?.properties ?? {})) {
      if (like && items && property.type === 'array' && Object.keys(property.items ?? {}).length === 0) {
        property.items = { ...items, checkedByRoute: true };
      }
    }
  }
  return operations;
}

// ---------------------------------------------------------------- the world the requests land in

interface Ids {
  workspace: string;
  keyId: string;
  reservation: string;
  response: string;
  agent: string;
  webhook: string;
}

interface World {
  url: string;
  primaryKey: string;
  sandboxKey: string;
  /** Keys of the primary workspace that must be refused on some routes. */
  ingestOnlyKey: string;
  readAdminKey: string;
  revokedKey: string;
  primary: Ids;
  sandbox: Ids;
  session: { cookie: string; csrf: string } | null;
  /** A local server that refuses everything: Tally's Twilio, and the webhooks' target. */
  outsideUrl: string;
}

let freshCount = 0;
const fresh = (prefix = 'fz') => `${prefix}-${++freshCount}`;

/** A value the schema accepts, so that one broken thing is the only thing wrong. */
function validValue(schema: Schema, name: string, world: World): unknown {
  if (schema.anyOf?.[0]) return validValue(schema.anyOf[0], name, world);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') {
        if (name === 'expiresAt') return new Date(NOW + 30 * DAY).toISOString();
        // A rate card takes effect now or later, one version per instant.
        if (name === 'effectiveAt') return new Date(NOW + DAY + ++freshCount * 1000).toISOString();
        return new Date(NOW - MINUTE).toISOString();
      }
      if (schema.pattern) return fresh();
      return (
        {
          plan: 'starter',
          pack: 'pack-500',
          email: `${fresh('nobody')}@example.com`,
          password: 'not the password',
          url: `${world.outsideUrl}/hook`,
          accountSid: `AC${'0'.repeat(32)}`,
          authToken: 'f'.repeat(32),
          features: 'voice:elevenlabs',
        }[name] ?? 'fuzz'
      );
    case 'number':
    case 'integer':
      return (
        { count: 1, ttlSeconds: 60, priority: 0, percent: 20, credits: 150, overageLimit: 0 }[name] ??
        Math.max(schema.minimum ?? 1, 1)
      );
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => validValue(schema.items ?? {}, name, world));
    case 'object': {
      const body: Record<string, unknown> = {};
      for (const required of schema.required ?? []) {
        const property = schema.properties?.[required];
        if (property) body[required] = validValue(property, required, world);
      }
      return body;
    }
    default:
      return null;
  }
}

/** Optional fields the route needs to get past its own checks (Twilio wants a token, alerts a level). */
const BASE_EXTRAS: Record<string, Record<string, unknown>> = {
  'PUT /v1/twilio': { authToken: 'f'.repeat(32) },
  'PUT /v1/alerts/threshold': { percent: 20 },
};

function realPathParam(op: Operation, param: string, ids: Ids): string {
  if (param === 'keyId') return ids.keyId;
  if (op.path.startsWith('/v1/workspaces/')) return ids.workspace;
  if (op.path.startsWith('/v1/reservations/')) return ids.reservation;
  if (op.path.startsWith('/v1/responses/')) return ids.response;
  if (op.path.startsWith('/v1/agents/')) return ids.agent;
  if (op.path.startsWith('/v1/webhooks/')) return ids.webhook;
  throw new Error(`The fuzz test does not know what {${param}} in ${op.path} names: teach realPathParam.`);
}

// ---------------------------------------------------------------- requests

/** A JSON literal JSON.stringify cannot write (1e999, -0): sent as is. */
class RawJson {
  constructor(readonly text: string) {}
}

function encodeJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}` : v,
  );
  return (text ?? '').replace(/"\\u0000raw(\d+)"/g, (_match, index: string) => raws[Number(index)] ?? 'null');
}

interface Draft {
  params: Record<string, string>;
  query: string[];
  headers: Record<string, string>;
  /** The body as a JSON value; undefined sends none. */
  json: unknown;
  /** When set, sent instead of json, with whatever content-type headers say (none when absent). */
  raw: string | Blob | undefined;
}

interface Mutation {
  label: string;
  /** Applied in stage order, so that an oddity never repairs a sure break applied after it. */
  stage: number;
  apply(draft: Draft): void;
}

const ODDITY = 0;
const BREAK = 1;
const RAW_BODY = 2;
const KEY_ODDITY = 3;
const KEY = 4;

interface Request {
  phase: 'invalid' | 'edge';
  op: Operation;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Blob | undefined;
  labels: string[];
}

interface Answer {
  request: Request;
  status: number;
  text: string;
  json: unknown;
  contentType: string;
  requestId: string | null;
}

function baseDraft(op: Operation, world: World, target: 'primary' | 'sandbox'): Draft {
  const ids = target === 'primary' ? world.primary : world.sandbox;
  const headers: Record<string, string> = {};
  if (op.principal === 'operator') headers.authorization = `Bearer ${ADMIN_KEY}`;
  if (op.principal === 'workspace') {
    headers.authorization = `Bearer ${target === 'primary' ? world.primaryKey : world.sandboxKey}`;
  }
  for (const header of op.headers) {
    if (header.name === 'idempotency-key') headers[header.name] = fresh('idem');
  }
  const draft: Draft = { params: {}, query: [], headers, json: undefined, raw: undefined };
  for (const param of op.pathParams) draft.params[param] = encodeURIComponent(realPathParam(op, param, ids));
  if (op.body) {
    draft.json = { ...(validValue(op.body, 'body', world) as Record<string, unknown>), ...BASE_EXTRAS[op.name] };
    draft.headers['content-type'] = 'application/json';
  }
  return draft;
}

function finish(op: Operation, draft: Draft, labels: string[], phase: Request['phase']): Request {
  let path = op.path;
  for (const [name, value] of Object.entries(draft.params)) path = path.replace(`{${name}}`, value);
  const query = draft.query.length > 0 ? `?${draft.query.join('&')}` : '';
  let body: string | Blob | undefined = draft.raw;
  if (body === undefined && draft.json !== undefined) body = encodeJson(draft.json);
  return { phase, op, method: op.method, url: `${path}${query}`, headers: draft.headers, body, labels };
}

function bodyBytes(request: Request): number {
  const body = request.body;
  if (body === undefined) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.size;
}

/**
 * fetch resolves dot segments before sending: `/v1/workspaces/../dashboard-sessions` goes out as
 * `/v1/dashboard-sessions`, a whole request to another route, so no break of this one reached Tally.
 */
function sentAsWritten(request: Request): boolean {
  return new URL(request.url, 'http://tally.test').pathname === request.url.split('?')[0];
}

async function send(base: string, request: Request): Promise<Answer> {
  try {
    const response = await fetch(`${base}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return {
      request,
      status: response.status,
      text,
      json,
      contentType: response.headers.get('content-type') ?? '',
      requestId: response.headers.get('x-request-id'),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const text = `${error}: ${cause?.code ?? cause?.message ?? 'no cause'}`;
    return { request, status: 0, text, json: null, contentType: '', requestId: null };
  }
}

async function sendAll(base: string, requests: Request[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let index = next++; index < requests.length; index = next++) {
        answers[index] = await send(base, requests[index] as Request);
      }
    }),
  );
  return answers;
}

// ---------------------------------------------------------------- values

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawJson);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function acceptsType(schema: Schema, value: unknown): boolean {
  if (schema.anyOf) return schema.anyOf.some((option) => acceptsType(option, value));
  if (!schema.type) return true;
  if (schema.type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  return jsonType(value) === schema.type;
}

const hasType = (schema: Schema) => Boolean(schema.type || schema.anyOf);

function setField(draft: Draft, name: string, value: unknown): void {
  // defineProperty, so "__proto__" and friends become fields rather than prototypes.
  if (isRecord(draft.json)) {
    Object.defineProperty(draft.json, name, { value, enumerable: true, writable: true, configurable: true });
  }
}

const STRING_EDGES: unknown[] = [
  '',
  ' ',
  HUGE,
  'x'.repeat(129),
  'é',
  '💥',
  '\u0000',
  'a\u0000b',
  '\u202Eevil',
  '\ud800',
  '../../etc/passwd',
  '%00',
  "'; drop table grants; --",
  '<script>alert(1)</script>',
  'İstanbul',
];
/** Valid JSON nested 100,000 deep: JSON.parse takes it, a recursive walk over it overflows the stack. */
const DEEP = 100_000;
const DEEP_ARRAY = new RawJson(`${'['.repeat(DEEP)}"\\u0000"${']'.repeat(DEEP)}`);

const NUMBER_EDGES: unknown[] = [
  0,
  new RawJson('-0'),
  -1,
  0.5,
  0.001,
  0.0001,
  1.0005,
  5e-324,
  1e21,
  1e300,
  -1e300,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  10_000_000_000,
  10_000_000_000.001,
  new RawJson('1e999'),
  new RawJson('-1e999'),
  new RawJson('1E2'),
];
const DATE_EDGES: unknown[] = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-12-31T23:59:60Z',
  '1970-01-01T00:00:00Z',
  '2024-02-29T12:00:00Z',
  new Date(NOW).toISOString(),
  new Date(NOW + MINUTE).toISOString(),
  new Date(NOW - 36 * DAY).toISOString(),
  new Date(NOW - MINUTE).toISOString().replace('Z', '+14:00'),
  new Date(NOW - MINUTE).toISOString().replace('Z', '123456Z'),
  '+275760-09-13T00:00:00Z',
];

/** Values of the right JSON type for a field, at its edges: some valid, some refused past the schema. */
function edgeValues(schema: Schema, name: string, world: World): unknown[] {
  if (schema.anyOf?.every((option) => option.enum)) {
    return [...STRING_EDGES, ...schema.anyOf.flatMap((option) => option.enum ?? [])];
  }
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time' ? DATE_EDGES : STRING_EDGES;
    case 'number':
    case 'integer': {
      const bounds = [schema.minimum, schema.maximum].filter((n): n is number => n !== undefined);
      return [...NUMBER_EDGES, ...bounds.flatMap((n) => [n, n - 1, n + 1])];
    }
    case 'array': {
      const item = () => validValue(schema.items ?? {}, name, world);
      return [
        [],
        [item(), item()],
        Array.from({ length: schema.maxItems ?? 16 }, item),
        Array.from({ length: (schema.maxItems ?? 16) + 1 }, item),
        [DEEP_ARRAY],
        ...(schema.items?.type === 'object' ? [] : STRING_EDGES.map((edge) => [edge])),
      ];
    }
    case 'object':
      return [{}, { [HUGE]: 1 }, { '': 1 }, ...NUMBER_EDGES.map((edge) => ({ 'voice:fuzz': edge }))];
    default:
      return [];
  }
}

interface Edge {
  label: string;
  apply(draft: Draft): void;
}

const preview = (value: unknown, max = 160): string => {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value).slice(1, -1)
      : value instanceof RawJson
        ? value.text
        : encodeJson(value);
  const squeezed = text.replace(/(.)\1{15,}/gu, (run, char: string) => `${char}…×${run.length}`);
  return squeezed.length > max ? `${squeezed.slice(0, max)}…` : squeezed;
};

/** Every field of the body at every edge value, one at a time (arrays of objects: each item field). */
function bodyEdges(op: Operation, world: World): Edge[] {
  const edges: Edge[] = [];
  for (const [name, schema] of Object.entries(op.body?.properties ?? {})) {
    for (const value of edgeValues(schema, name, world)) {
      edges.push({ label: `${name}=${preview(value, 60)}`, apply: (draft) => setField(draft, name, value) });
    }
    const items = schema.items;
    if (schema.type === 'array' && items?.type === 'object') {
      for (const [itemField, itemSchema] of Object.entries(items.properties ?? {})) {
        for (const value of edgeValues(itemSchema, itemField, world)) {
          edges.push({
            label: `${name}[0].${itemField}=${preview(value, 60)}`,
            apply: (draft) => {
              const item = validValue(items, name, world) as Record<string, unknown>;
              item[itemField] = value;
              setField(draft, name, [item]);
            },
          });
        }
      }
      edges.push({
        label: `${name}: the same id twice, different bodies`,
        apply: (draft) => {
          const first = validValue(items, name, world) as Record<string, unknown>;
          setField(draft, name, [first, { ...first, channel: first.channel === 'call' ? 'chat' : 'call' }]);
        },
      });
    }
  }
  return edges;
}

const QUERY_EDGES = [
  '',
  ' ',
  '0',
  '-1',
  '1.5',
  '1e300',
  'NaN',
  'Infinity',
  '0x10',
  '99999999999999999999',
  '%00',
  '%ZZ',
  encodeURIComponent('💥'),
  'x'.repeat(40),
  'x'.repeat(41),
  '2026-02-30',
  '0000-01-01',
  '9999-12-31',
  '%2B275760-09-13',
  '2026-13-01',
  encodeURIComponent(new Date(NOW).toISOString()),
  '2026-12-31T23%3A59%3A60Z',
  'yesterday',
  'DAY',
  'week',
];

function queryEdges(op: Operation): Edge[] {
  const edges: Edge[] = [];
  for (const param of op.query) {
    for (const value of QUERY_EDGES) {
      edges.push({
        label: `?${param.name}=${preview(value, 40)}`,
        apply: (d) => d.query.push(`${param.name}=${value}`),
      });
    }
    edges.push({ label: `?${param.name} twice`, apply: (d) => d.query.push(`${param.name}=1`, `${param.name}=2`) });
  }
  if (op.query.some((p) => p.name === 'from') && op.query.some((p) => p.name === 'to')) {
    edges.push({ label: 'from after to', apply: (d) => d.query.push('from=2026-11-25', 'to=2026-10-01') });
  }
  return edges;
}

function headerEdges(op: Operation): Edge[] {
  return op.headers.flatMap((header) =>
    ['', ' ', 'é', 'x'.repeat(100), 'x'.repeat(128), 'a b', '-x'].map((value) => ({
      label: `${header.name}: ${preview(value, 40)}`,
      apply: (d: Draft) => {
        d.headers[header.name] = value;
      },
    })),
  );
}

// ---------------------------------------------------------------- sure breaks, as fast-check arbitraries

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

function mutation(label: string, stage: number, apply: (draft: Draft) => void): Mutation {
  return { label, stage, apply };
}

function safeEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

/** A value outside what the schema allows though of the right kind: too long, too short, off the pattern, out of range. */
function outsideSchema(schema: Schema, name: string, world: World): unknown[] {
  const outside: unknown[] = [];
  const enums = schema.anyOf?.every((option) => option.enum) ? schema.anyOf.flatMap((o) => o.enum ?? []) : null;
  if (enums)
    outside.push(...['CALL', 'sms', '', ' chat', 'chat\u0000', 'Read', 'admin '].filter((v) => !enums.includes(v)));
  if (schema.type === 'string') {
    if (schema.maxLength !== undefined) outside.push('x'.repeat(schema.maxLength + 1), HUGE);
    if ((schema.minLength ?? 0) > 0) outside.push('');
    if (schema.pattern) {
      const pattern = new RegExp(schema.pattern, 'u');
      const offPattern = [
        '',
        ' ',
        '../../etc/passwd',
        'a b',
        '%00',
        '-leading',
        'é',
        '💥',
        'x'.repeat(129),
        'a\u0000b',
      ];
      outside.push(...offPattern.filter((v) => !pattern.test(v)));
    }
    if (schema.format === 'date-time') {
      outside.push('yesterday', '2026-13-01T00:00:00Z', '2026-11-25', '2026-11-25T25:00:00Z', '1e300', '', 'T');
    }
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    if (schema.minimum !== undefined) outside.push(schema.minimum - 1, -1e300);
    if (schema.maximum !== undefined) outside.push(schema.maximum + 1, 1e300);
    if (schema.type === 'integer') outside.push(1.5, (schema.minimum ?? 0) + 0.5);
  }
  if (schema.type === 'array') {
    const item = () => validValue(schema.items ?? {}, name, world);
    if (schema.maxItems !== undefined) outside.push(Array.from({ length: schema.maxItems + 1 }, item));
    if ((schema.minItems ?? 0) > 0) outside.push([]);
    const items = schema.items;
    if (items && hasType(items) && !items.checkedByRoute) {
      outside.push(...[[42], [null], [{}]].filter(([value]) => !acceptsType(items, value)));
    }
  }
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    outside.push({ 'voice:fuzz': 'one' }, { 'voice:fuzz': null });
  }
  return outside;
}

const UNKNOWN_FIELDS = [
  'colour',
  'ID',
  'Id',
  'id ',
  '',
  ' ',
  '💥',
  'extra.field',
  '__proto__',
  'constructor',
  'a'.repeat(1000),
];

function bodyBreaks(op: Operation, world: World): fc.Arbitrary<Mutation>[] {
  const body = op.body;
  if (!body) return [];
  const properties = body.properties ?? {};
  const names = Object.keys(properties);
  const arbitraries: fc.Arbitrary<Mutation>[] = [];
  const required = body.required ?? [];
  if (required.length > 0) {
    arbitraries.push(
      pick(...required).map((name) =>
        mutation(`without required "${name}"`, BREAK, (d) => {
          if (isRecord(d.json)) delete d.json[name];
        }),
      ),
    );
  }
  arbitraries.push(
    fc
      .tuple(
        fc.oneof(pick(...UNKNOWN_FIELDS), fc.string({ maxLength: 12 })).filter((name) => !names.includes(name)),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(([name, value]) =>
        mutation(`unknown field "${preview(name, 30)}"=${preview(value, 40)}`, BREAK, (d) => setField(d, name, value)),
      ),
  );
  const typed = names.filter((name) => hasType(properties[name] ?? {}));
  if (typed.length > 0) {
    arbitraries.push(
      pick(...typed).chain((name) => {
        const schema = properties[name] ?? {};
        return fc
          .oneof(pick<unknown>('1', true, null, [], {}, 1.5, 0, 'text', ['a'], { a: 1 }), fc.jsonValue({ maxDepth: 2 }))
          .filter((value) => !acceptsType(schema, value))
          .map((value) =>
            mutation(`${name} of the wrong type: ${preview(value, 40)}`, BREAK, (d) => setField(d, name, value)),
          );
      }),
    );
  }
  const constrained = names
    .map((name) => [name, outsideSchema(properties[name] ?? {}, name, world)] as const)
    .filter(([, values]) => values.length > 0);
  if (constrained.length > 0) {
    arbitraries.push(
      pick(...constrained).chain(([name, values]) =>
        pick(...values).map((value) =>
          mutation(`${name} outside the schema: ${preview(value, 40)}`, BREAK, (d) => setField(d, name, value)),
        ),
      ),
    );
  }
  arbitraries.push(
    pick<unknown>([], 'text', 42, null, true, [{}]).map((value) =>
      mutation(`body is ${preview(value)}, not an object`, BREAK, (d) => {
        d.json = value;
      }),
    ),
  );
  return arbitraries;
}

/** Bodies sent as application/json that are not JSON, or JSON no route takes. */
const UNTAKEN_JSON = [
  '',
  '{',
  '}',
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  'NaN',
  '{"x": NaN}',
  '{"x": Infinity}',
  '{"x": undefined}',
  '[1,2',
  '"unterminated',
  '{"a":1}}',
  '{"a":"\\x"}',
  '\u0000',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '['.repeat(DEEP),
  '{"a":'.repeat(DEEP / 2),
  `{"unknown":${DEEP_ARRAY.text}}`,
  '\u0001hello',
  'x<xml/>',
  'xa=1&b=2',
];

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'image/png',
];

/** The body's bytes or their declared type broken: a sure break on routes that take a JSON body, an oddity on others. */
function rawBodyBreaks(op: Operation): fc.Arbitrary<Mutation>[] {
  if (op.method === 'GET') return [];
  const json = (d: Draft) => encodeJson(d.json ?? {});
  return [
    fc
      .oneof(
        pick(...UNTAKEN_JSON),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((text) => `\u0001${text}`),
      )
      .map((text) =>
        mutation(`JSON body ${preview(text, 40)}`, RAW_BODY, (d) => {
          d.raw = text;
          d.headers['content-type'] = 'application/json';
        }),
      ),
    fc.nat({ max: 10_000 }).map((cut) =>
      mutation('JSON body cut short', RAW_BODY, (d) => {
        const text = json(d);
        d.raw = text.slice(0, cut % text.length);
        d.headers['content-type'] = 'application/json';
      }),
    ),
    pick(...WRONG_CONTENT_TYPES).map((type) =>
      mutation(`content-type ${type}`, RAW_BODY, (d) => {
        d.raw = json(d);
        d.headers['content-type'] = type;
      }),
    ),
    fc.constant(
      mutation('a body with no content-type', RAW_BODY, (d) => {
        d.raw = new Blob([json(d)]);
        delete d.headers['content-type'];
      }),
    ),
    fc.constant(
      mutation('a field given twice (JSON.parse would keep the last)', RAW_BODY, (d) => {
        const text = json(d);
        const first = isRecord(d.json) ? Object.keys(d.json)[0] : undefined;
        d.raw =
          first === undefined || !text.startsWith('{')
            ? '{"x":1,"x":2}'
            : `${text.slice(0, -1)},${JSON.stringify(first)}:${JSON.stringify({ twice: true })}}`;
        d.headers['content-type'] = 'application/json';
      }),
    ),
    fc.constant(
      mutation('a 1.2 MB body', RAW_BODY, (d) => {
        d.raw = encodeJson({ ...(isRecord(d.json) ? d.json : {}), padding: 'x'.repeat(1_200_000) });
        d.headers['content-type'] = 'application/json';
      }),
    ),
  ];
}

const PATH_GARBAGE = [
  'nope',
  '..',
  '.',
  '%2e%2e',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'a%00b',
  '%ZZ',
  '%',
  '%E2%80%AE',
  '%F0%9F%92%A5',
  '%20',
  '%2F',
  '%C0%AF',
  '%FF',
  'ws_AAAAAAAAAAAAAAAAAAAAAA',
  'key_AAAAAAAAAAAAAAAAAAAAAA',
  '-1',
  '0',
  '1e300',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

function pathBreaks(op: Operation): fc.Arbitrary<Mutation>[] {
  if (op.pathParams.length === 0) return [];
  const garbage = fc.oneof(
    pick(...PATH_GARBAGE),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((text) => safeEncode(`zz${text}`)),
    fc.integer({ min: 101, max: 3000 }).map((n) => 'x'.repeat(n)),
  );
  return [
    fc.tuple(pick(...op.pathParams), garbage).map(([param, value]) =>
      mutation(`{${param}}=${preview(value, 40)}`, BREAK, (d) => {
        d.params[param] = value;
      }),
    ),
  ];
}

function headerBreaks(op: Operation): fc.Arbitrary<Mutation>[] {
  const limited = op.headers.filter((h) => h.schema.maxLength !== undefined || h.schema.pattern);
  if (limited.length === 0) return [];
  return [
    fc.tuple(pick(...limited), pick('x'.repeat(129), 'x'.repeat(4000))).map(([header, value]) =>
      mutation(`${header.name}: ${preview(value, 20)}`, BREAK, (d) => {
        d.headers[header.name] = value;
      }),
    ),
  ];
}

function queryOddities(op: Operation): fc.Arbitrary<Mutation>[] {
  const unknown = pick(
    'foo=bar',
    '__proto__=1',
    'constructor%5Bprototype%5D%5Bx%5D=1',
    'limit',
    '&&',
    '%ZZ=1',
    `q=${'x'.repeat(3000)}`,
  );
  const arbitraries = [
    unknown.map((text) => mutation(`query ${preview(text, 40)}`, ODDITY, (d) => d.query.push(text))),
  ];
  if (op.query.length > 0) {
    const known = fc.tuple(pick(...op.query), pick(...QUERY_EDGES, 'x'.repeat(3000), 'abc', '501', '-5'));
    arbitraries.push(
      known.map(([param, value]) =>
        mutation(`?${param.name}=${preview(value, 30)}`, ODDITY, (d) => d.query.push(`${param.name}=${value}`)),
      ),
    );
  }
  return arbitraries;
}

/** The wrong key, or none: surely refused on every route that takes a bearer key. */
function keyBreaks(op: Operation, world: World): fc.Arbitrary<Mutation>[] {
  if (op.principal === 'none') return [];
  const own = op.principal === 'operator' ? ADMIN_KEY : world.primaryKey;
  const wrongKind = op.principal === 'operator' ? world.primaryKey : ADMIN_KEY;
  const wrongScope = op.tag === 'ingest' ? world.readAdminKey : world.ingestOnlyKey;
  const bearer = (label: string, value: string | null) =>
    mutation(label, KEY, (d) => {
      delete d.headers.authorization;
      delete d.headers.cookie;
      if (value !== null) d.headers.authorization = value;
    });
  const arbitraries: fc.Arbitrary<Mutation>[] = [
    pick(
      bearer('no Authorization header', null),
      bearer('Authorization: Bearer (nothing)', 'Bearer'),
      bearer('Authorization: Bearer x', 'Bearer x'),
      bearer('Authorization: Bearer 4000 characters', `Bearer ${'x'.repeat(4000)}`),
      bearer('Authorization: Basic', 'Basic dXNlcjpwYXNz'),
      bearer('Authorization: Token', `Token ${own}`),
      bearer('an unknown tally_ key', `Bearer tally_AAAAAAAA_${'A'.repeat(40)}`),
      bearer('an unknown operator key', `Bearer op_${'0'.repeat(48)}`),
      bearer('the key twice', `Bearer ${own} ${own}`),
      bearer('the key with a character more', `Bearer ${own}x`),
      bearer('the key with a character less', `Bearer ${own.slice(0, -1)}`),
      bearer('a revoked key', `Bearer ${world.revokedKey}`),
      bearer(`the ${op.principal === 'operator' ? 'workspace' : 'operator'} key`, `Bearer ${wrongKind}`),
    ),
  ];
  // A key of the right kind without the route's scope. (GET /v1/plans and /v1/rate-cards take any key, but
  // they are reads, which may succeed.)
  if (op.principal === 'workspace') {
    arbitraries.push(fc.constant(bearer(`a key without the ${op.tag} scope`, `Bearer ${wrongScope}`)));
  }
  // A session stands for read and admin on its workspace: it surely fails writes (no CSRF token), operator routes and ingest.
  const session = world.session;
  if (session && (op.mutating || op.principal === 'operator' || op.tag === 'ingest')) {
    const cookieOnly = (label: string, cookie: string, csrf: string | null) =>
      mutation(label, KEY, (d) => {
        delete d.headers.authorization;
        d.headers.cookie = cookie;
        // Null removes the token, also one an earlier cookie break set: two breaks must not repair each other.
        if (csrf === null) delete d.headers['x-csrf-token'];
        else d.headers['x-csrf-token'] = csrf;
      });
    arbitraries.push(
      pick(
        cookieOnly('an unknown session cookie', `tally_session=${'A'.repeat(43)}`, session.csrf),
        cookieOnly('the session cookie without its CSRF token', session.cookie, null),
        cookieOnly('the session cookie with a wrong CSRF token', session.cookie, `${session.csrf.slice(0, -2)}xx`),
        cookieOnly('the session cookie with an empty CSRF token', session.cookie, ''),
      ),
    );
  }
  return arbitraries;
}

function keyOddities(op: Operation, world: World): fc.Arbitrary<Mutation>[] {
  const own = op.principal === 'operator' ? ADMIN_KEY : world.primaryKey;
  return [
    pick(
      mutation('lower-case "bearer"', KEY_ODDITY, (d) => {
        if (d.headers.authorization) d.headers.authorization = `bearer ${own}`;
      }),
      mutation('a garbage cookie beside the key', KEY_ODDITY, (d) => {
        d.headers.cookie = `tally_session=${'%'.repeat(50)}; other=${'x'.repeat(500)}`;
      }),
      mutation('an odd X-Request-Id', KEY_ODDITY, (d) => {
        d.headers['x-request-id'] = `../${'é'.repeat(100)}`;
      }),
      mutation('Accept: text/csv', KEY_ODDITY, (d) => {
        d.headers.accept = 'text/csv';
      }),
    ),
  ];
}

function oddities(op: Operation, world: World): fc.Arbitrary<Mutation>[] {
  const arbitraries = [...queryOddities(op), ...keyOddities(op, world), ...(op.body ? [] : rawBodyBreaks(op))];
  const edges = [...bodyEdges(op, world), ...headerEdges(op)];
  if (edges.length > 0) {
    arbitraries.push(pick(...edges).map((edge) => mutation(edge.label, ODDITY, edge.apply)));
  }
  return arbitraries;
}

/** What to do to one request: for a write, one sure break first, then up to two of anything. */
function planOf(op: Operation, world: World): fc.Arbitrary<Mutation[]> {
  // Each group is surely refused, whatever else the request says: by the schema, the router or the key check.
  const sure = [
    bodyBreaks(op, world),
    op.body ? rawBodyBreaks(op) : [],
    pathBreaks(op),
    headerBreaks(op),
    keyBreaks(op, world),
  ].filter((group) => group.length > 0);
  const groups = [...sure, oddities(op, world)].filter((group) => group.length > 0);
  const anything = fc.oneof(...groups.map((group) => fc.oneof(...group)));
  if (!op.mutating || op.baseFails) return fc.array(anything, { minLength: 1, maxLength: 3 });
  if (sure.length === 0) throw new Error(`${op.name}: no way to surely break it; the fuzz test needs one`);
  const surely = fc.oneof(...sure.map((group) => fc.oneof(...group)));
  return fc.tuple(surely, fc.array(anything, { maxLength: 2 })).map(([first, more]) => [first, ...more]);
}

function invalidRequests(ops: Operation[], world: World): Request[] {
  return ops.flatMap((op, index) =>
    fc.sample(planOf(op, world), { seed: SEED + index, numRuns: CASES_PER_ROUTE }).map((plan) => {
      const draft = baseDraft(op, world, 'primary');
      const ordered = [...plan].sort((a, b) => a.stage - b.stage);
      for (const step of ordered) step.apply(draft);
      return finish(
        op,
        draft,
        ordered.map((step) => step.label),
        'invalid',
      );
    }),
  );
}

/** A second, different valid body for each route that is idempotent by the Idempotency-Key header. */
const ANOTHER_BODY: Record<string, Record<string, unknown>> = {
  'POST /v1/reservations': { count: 2 },
  'POST /v1/purchases': { pack: 'pack-2000' },
  'POST /v1/webhooks': { events: ['credits.depleted'] },
};

function edgeRequests(ops: Operation[], world: World): Request[] {
  const requests: Request[] = [];
  for (const op of ops) {
    for (const edge of [...bodyEdges(op, world), ...queryEdges(op), ...headerEdges(op)]) {
      const draft = baseDraft(op, world, 'sandbox');
      edge.apply(draft);
      requests.push(finish(op, draft, [edge.label], 'edge'));
    }
    // The same Idempotency-Key twice, with two different bodies.
    const another = ANOTHER_BODY[op.name];
    if (another) {
      const key = fresh('idem');
      for (const change of [{}, another]) {
        const draft = baseDraft(op, world, 'sandbox');
        draft.headers['idempotency-key'] = key;
        for (const [name, value] of Object.entries(change)) setField(draft, name, value);
        requests.push(finish(op, draft, [`idempotency-key ${key} with ${preview(change)}`], 'edge'));
      }
    }
  }
  return requests;
}

// ---------------------------------------------------------------- judging answers

/** What is wrong with a 4xx body, compared with docs/api.md "Errors"; null when it is right. */
function errorShapeProblem(answer: Answer): string | null {
  if (!answer.contentType.startsWith('application/json')) return `content-type "${answer.contentType}", not JSON`;
  const body = answer.json;
  if (!isRecord(body) || Object.keys(body).join() !== 'error') return 'not exactly {"error": {...}}';
  const error = body.error;
  if (!isRecord(error)) return '"error" is not an object';
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'details', 'requestId'].includes(key));
  if (extra.length > 0) return `unexpected error fields ${extra.join(', ')}`;
  const code = error.code;
  if (typeof code !== 'string' || !(code in STATUS_BY_CODE)) return `unknown error code ${JSON.stringify(code)}`;
  const expected = STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE];
  if (expected !== answer.status) return `code ${code} belongs to status ${expected}, answered ${answer.status}`;
  if (typeof error.message !== 'string' || error.message.trim() === '') return 'no message';
  if (typeof error.requestId !== 'string' || error.requestId === '') return 'no requestId';
  if (error.requestId !== answer.requestId) return `requestId ${error.requestId} is not the X-Request-Id header`;
  if ('details' in error && !isRecord(error.details)) return '"details" is not an object';
  return null;
}

/** A batch answers 200 with a result per item: each refused item carries its own documented error. */
function batchItemProblem(answer: Answer): { serverError: boolean; problem: string } | null {
  const results = isRecord(answer.json) && Array.isArray(answer.json.results) ? answer.json.results : [];
  for (const [index, item] of results.entries()) {
    const status = isRecord(item) ? item.status : undefined;
    if (typeof status !== 'number') return { serverError: false, problem: `results[${index}] has no status` };
    if (status >= 500) return { serverError: true, problem: `results[${index}] is a ${status}` };
    if (status < 400) continue;
    const error = isRecord(item) ? item.error : undefined;
    const code = isRecord(error) ? error.code : undefined;
    if (
      !isRecord(error) ||
      typeof code !== 'string' ||
      STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE] !== status ||
      typeof error.message !== 'string' ||
      error.message === ''
    ) {
      return { serverError: false, problem: `results[${index}] is a ${status} without its documented error` };
    }
  }
  return null;
}

function describeOffender(answer: Answer, problem: string): string {
  const { request } = answer;
  const body =
    request.body === undefined
      ? ''
      : ` body=${preview(typeof request.body === 'string' ? request.body : `<${request.body.size} bytes without a type>`, 240)}`;
  const type = request.headers['content-type'] ? ` (${request.headers['content-type']})` : '';
  return `${answer.status} ${request.method} ${preview(request.url, 200)} [${request.labels.join('; ')}]${type}${body}\n    → ${problem}: ${preview(answer.text, 240)}`;
}

/** Tally's own account of its 500s: each distinct error and where it was thrown. */
function serverErrorsLogged(tally: Tally): string[] {
  const seen = new Set<string>();
  for (const line of tally.output().split('\n')) {
    if (!line.includes('"level":50')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string; stack?: string } };
      const where = (entry.err?.stack ?? '')
        .split('\n')
        .slice(1, 4)
        .map((frame) => frame.trim());
      seen.add(`${entry.err?.type}: ${entry.err?.message} ${where.join(' < ')}`);
    } catch {
      seen.add(preview(line, 400));
    }
  }
  return [...seen].slice(0, 10);
}

/** One line per kind of problem on a route, with a count, so a report of thousands stays readable. */
function report(title: string, offenders: Array<{ answer: Answer; problem: string }>): string {
  const groups = new Map<string, { count: number; example: string }>();
  for (const { answer, problem } of offenders) {
    const key = `${answer.status} ${answer.request.op.name} ${problem.replace(/\d+/g, '#')}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { count: 1, example: describeOffender(answer, problem) });
  }
  if (offenders.length === 0) return `no ${title}`;
  const lines = [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, 40)
    .map((g) => `  ×${g.count} like ${g.example}`);
  return [`${offenders.length} ${title}:`, ...lines].join('\n');
}

// ---------------------------------------------------------------- the run

/** Everything about the primary workspace a bad request could change, as Tally answers it. */
async function primaryState(world: World): Promise<Record<string, unknown>> {
  const read = async (path: string, key = world.primaryKey) => {
    const reply = await call(world.url, 'GET', path, { key });
    expect(reply.status, `${path}: ${reply.text}`).toBe(200);
    return reply.body;
  };
  return {
    balance: await read('/v1/balance'),
    ledger: await read('/v1/ledger?limit=500'),
    agents: await read('/v1/agents'),
    threshold: await read('/v1/alerts/threshold'),
    subscription: await read('/v1/subscription'),
    summary: await read('/v1/usage/summary'),
    workspace: await read(`/v1/workspaces/${world.primary.workspace}`, ADMIN_KEY),
    webhook: await read(`/v1/webhooks/${world.primary.webhook}`, ADMIN_KEY),
  };
}

async function created(base: string, method: string, path: string, key: string, body?: unknown): Promise<unknown> {
  const reply = await call(base, method, path, { key, body });
  if (reply.status !== 200 && reply.status !== 201) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

async function startOutside(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.each(STORES)('malformed requests from the OpenAPI description, on %s', (storeName, makeBooks) => {
  let books: Books;
  let tally: Tally;
  let outside: { server: Server; url: string };
  let world: World;
  let ops: Operation[];

  beforeAll(async () => {
    outside = await startOutside();
    books = await makeBooks();
    tally = await startTally(books, {
      TALLY_LOG_LEVEL: 'warn',
      TALLY_TWILIO_API_URL: outside.url,
      // Purchases and plan changes are fuzzed too: granting them without payment is chosen here.
      TALLY_PAYMENTS: 'manual',
    });
    const url = tally.url;
    const primary = await workspaceWithKey(url, 1_000);
    const sandbox = await workspaceWithKey(url, 1_000_000);
    const keyOf = async (scopes: string[]) =>
      field<string>(await created(url, 'POST', `/v1/workspaces/${primary.id}/keys`, ADMIN_KEY, { scopes }), 'key');
    const revoked = (await created(url, 'POST', `/v1/workspaces/${primary.id}/keys`, ADMIN_KEY, {
      scopes: ['ingest', 'read', 'admin'],
    })) as { id: string; key: string };
    const gone = await call(url, 'DELETE', `/v1/workspaces/${primary.id}/keys/${revoked.id}`, { key: ADMIN_KEY });
    expect(gone.status).toBe(204);

    const idsOf = async (workspace: { id: string; key: string; keyId: string }): Promise<Ids> => {
      const response = { id: fresh('setup'), conversationId: 'setup-conv', channel: 'chat', agentId: 'setup-agent' };
      await created(url, 'POST', '/v1/responses', workspace.key, response);
      const hold = await created(url, 'POST', '/v1/reservations', workspace.key, { ttlSeconds: 3600 });
      const agent = await created(url, 'POST', '/v1/agents', workspace.key, { name: 'fuzz agent' });
      const webhook = await created(url, 'POST', '/v1/webhooks', ADMIN_KEY, {
        url: `${outside.url}/hook`,
        events: ['credits.low'],
      });
      return {
        workspace: workspace.id,
        keyId: workspace.keyId,
        reservation: field<string>(hold, 'id'),
        response: response.id,
        agent: field<string>(agent, 'id'),
        webhook: field<string>(webhook, 'id'),
      };
    };
    world = {
      url,
      primaryKey: primary.key,
      sandboxKey: sandbox.key,
      ingestOnlyKey: await keyOf(['ingest']),
      readAdminKey: await keyOf(['read', 'admin']),
      revokedKey: revoked.key,
      primary: await idsOf(primary),
      sandbox: await idsOf(sandbox),
      session: null,
      outsideUrl: outside.url,
    };
    await created(url, 'PUT', '/v1/alerts/threshold', primary.key, { percent: 20 });

    // A dashboard user for the primary workspace, so cookie-and-CSRF writes are fuzzed too.
    const store = await openBooks(books);
    const password = 'correct horse battery staple';
    await createUser(store, { workspaceId: primary.id, email: 'fuzz-owner@example.com', password });
    await store.close();
    const signIn = await call(url, 'POST', '/v1/session', { body: { email: 'fuzz-owner@example.com', password } });
    expect(signIn.status, signIn.text).toBe(200);
    world.session = {
      cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      csrf: field<string>(signIn.body, 'csrfToken'),
    };

    const spec = await call(url, 'GET', '/openapi.json');
    expect(spec.status).toBe(200);
    ops = operationsOf(spec.body as { paths: Record<string, Record<string, OpenApiOperation>> });
  });

  afterAll(async () => {
    await tally?.kill('SIGKILL');
    await books?.remove();
    await new Promise((resolve) => outside?.server.close(resolve));
  });

  it('answers every malformed request with a documented 4xx and changes nothing', async () => {
    const started = performance.now();
    const before = await primaryState(world);

    const invalid = invalidRequests(ops, world);
    const invalidAnswers = await sendAll(world.url, invalid);
    const afterInvalid = await primaryState(world);

    const edges = edgeRequests(ops, world);
    const edgeAnswers = await sendAll(world.url, edges);
    const afterEdges = await primaryState(world);
    const seconds = (performance.now() - started) / 1000;

    const answers = [...invalidAnswers, ...edgeAnswers];
    // Tally answers 413 to a body over its limit before reading it and closes the connection, as
    // RFC 9112 allows; a client still sending may see the connection reset instead of the 413.
    const oversizeDropped = answers.filter((a) => a.status === 0 && bodyBytes(a.request) > BODY_LIMIT_BYTES);
    const serverErrors = answers
      .filter((a) => a.status >= 500 || (a.status === 0 && !oversizeDropped.includes(a)))
      .map((answer) => ({ answer, problem: answer.status === 0 ? 'no answer' : 'server error' }));
    const batchItems = answers
      .filter((a) => a.request.op.name === 'POST /v1/responses/batch' && a.status === 200)
      .map((answer) => ({ answer, found: batchItemProblem(answer) }));
    for (const { answer, found } of batchItems) {
      if (found?.serverError) serverErrors.push({ answer, problem: found.problem });
    }
    const badShapes = answers
      .filter((a) => a.status >= 400 && a.status < 500)
      .map((answer) => ({ answer, problem: errorShapeProblem(answer) ?? '' }))
      .filter((o) => o.problem !== '')
      .concat(
        batchItems.flatMap(({ answer, found }) =>
          found && !found.serverError ? [{ answer, problem: found.problem }] : [],
        ),
      );
    const writesThatSucceeded = invalidAnswers
      .filter((a) => a.request.op.mutating && a.status >= 200 && a.status < 400 && sentAsWritten(a.request))
      .map((answer) => ({ answer, problem: 'a write with a sure break succeeded' }));
    const undeclared = answers
      .filter((a) => a.status !== 0 && !a.request.op.declared.includes(String(a.status)))
      .map((answer) => ({ answer, problem: 'a status the description does not declare' }));
    const routes = new Set(answers.map((a) => a.request.op.name));
    const statuses: Record<string, number> = {};
    for (const a of answers) statuses[`status${a.status}`] = (statuses[`status${a.status}`] ?? 0) + 1;

    recordFigure(`fuzz.${storeName}`, {
      requests: answers.length,
      routes: routes.size,
      invalidRequests: invalid.length,
      edgeRequests: edges.length,
      fiveHundreds: serverErrors.length,
      badErrorShapes: badShapes.length,
      undeclaredStatuses: undeclared.length,
      writesThatSucceeded: writesThatSucceeded.length,
      readsThatSucceeded: invalidAnswers.filter((a) => !a.request.op.mutating && a.status >= 200 && a.status < 300)
        .length,
      edgeSuccesses: edgeAnswers.filter((a) => a.status >= 200 && a.status < 300).length,
      oversizeDropped: oversizeDropped.length,
      seed: SEED,
      seconds: Math.round(seconds * 10) / 10,
      ...statuses,
    });

    // One report of every kind of offender at once, so a run shows everything there is to fix.
    const reports = [
      report('requests answered 5xx or not at all', serverErrors),
      report('4xx answers without the documented error body', badShapes),
      report('invalid writes that succeeded', writesThatSucceeded),
      report('answers with a status not declared in /openapi.json', undeclared),
      ...serverErrorsLogged(tally).map((line) => `Tally logged ${line}`),
    ];
    expect(
      {
        serverErrors: serverErrors.length,
        badShapes: badShapes.length,
        writesThatSucceeded: writesThatSucceeded.length,
        undeclared: undeclared.length,
      },
      reports.join('\n\n'),
    ).toEqual({ serverErrors: 0, badShapes: 0, writesThatSucceeded: 0, undeclared: 0 });
    expect(routes.size).toBe(ops.length);
    expect(afterInvalid).toEqual(before);
    expect(afterEdges).toEqual(before);
    expect(tally.child.exitCode).toBeNull();

    // The books themselves: nothing new in the primary's ledger, and every balance still its ledger's sum.
    await tally.kill('SIGTERM');
    const store = await openBooks(books);
    try {
      const primaryBooks = await readBooks(store, world.primary.workspace);
      expect(primaryBooks.lines).toBe((before.ledger as { lines: unknown[] }).lines.length);
      expect(primaryBooks.report.differences).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

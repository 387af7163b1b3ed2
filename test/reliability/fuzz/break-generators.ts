import fc from 'fast-check';
import { ADMIN_KEY } from '../support/tally-process.ts';
import type { Operation, Schema } from './description.ts';
import {
  acceptsType,
  bodyEdges,
  DEEP,
  DEEP_ARRAY,
  hasType,
  headerEdges,
  isRecord,
  preview,
  QUERY_EDGES,
  queryEdges,
  setField,
} from './edge-generators.ts';
import {
  BREAK,
  baseDraft,
  type Draft,
  encodeJson,
  finish,
  KEY,
  KEY_ODDITY,
  type Mutation,
  ODDITY,
  RAW_BODY,
  type Request,
} from './requests.ts';
import { CASES_PER_ROUTE, HUGE, SEED } from './settings.ts';
import { fresh, validValue, type World } from './world.ts';

/** Generators of sure breaks and oddities, as fast-check arbitraries, and the requests they make. */

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

export function invalidRequests(ops: Operation[], world: World): Request[] {
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

export function edgeRequests(ops: Operation[], world: World): Request[] {
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

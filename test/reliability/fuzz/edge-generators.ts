import type { Operation, Schema } from './description.ts';
import { type Draft, encodeJson, RawJson } from './requests.ts';
import { DAY, HUGE, MINUTE, NOW } from './settings.ts';
import { validValue, type World } from './world.ts';

/** Generators of edge values of the right JSON type for each field, some valid, some refused past the schema. */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawJson);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function acceptsType(schema: Schema, value: unknown): boolean {
  if (schema.anyOf) return schema.anyOf.some((option) => acceptsType(option, value));
  if (!schema.type) return true;
  if (schema.type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  return jsonType(value) === schema.type;
}

export const hasType = (schema: Schema) => Boolean(schema.type || schema.anyOf);

export function setField(draft: Draft, name: string, value: unknown): void {
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
export const DEEP = 100_000;
export const DEEP_ARRAY = new RawJson(`${'['.repeat(DEEP)}"\\u0000"${']'.repeat(DEEP)}`);

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

export const preview = (value: unknown, max = 160): string => {
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
export function bodyEdges(op: Operation, world: World): Edge[] {
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

export const QUERY_EDGES = [
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

export function queryEdges(op: Operation): Edge[] {
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

export function headerEdges(op: Operation): Edge[] {
  return op.headers.flatMap((header) =>
    ['', ' ', 'é', 'x'.repeat(100), 'x'.repeat(128), 'a b', '-x'].map((value) => ({
      label: `${header.name}: ${preview(value, 40)}`,
      apply: (d: Draft) => {
        d.headers[header.name] = value;
      },
    })),
  );
}

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Twilio's own description of the part of its API the card reads (twilio-oai/), as the fake's rule
 * book: which paths exist, which query parameters each takes and of what type, and what a 200
 * body may hold. The fake answers only what this describes and checks its own bodies against it.
 */

interface SchemaObject {
  [keyword: string]: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: SchemaObject;
}

interface Operation {
  parameters: Parameter[];
  responses: { '200': { content: { 'application/json': { schema: SchemaObject } } } };
}

interface Spec {
  paths: Record<string, { get?: Operation }>;
  components: { schemas: Record<string, SchemaObject> };
}

/** One GET of the description that a request path matched, with its path parameters. */
export interface MatchedOperation {
  /** The path as the description writes it, e.g. `/2010-04-01/Accounts/{AccountSid}/Balance.json`. */
  template: string;
  pathParams: Record<string, string>;
}

const spec = JSON.parse(
  readFileSync(new URL('./twilio-oai/twilio_api_v2010.subset.json', import.meta.url), 'utf8'),
) as Spec;

const ROOT_ID = 'twilio-api-v2010';

/**
 * Two deliberate departures from the schemas, both towards what Twilio is documented to send:
 * - `price` is `type: number` in the schema, yet every example of Twilio's sends a string ("0");
 *   a client must read both, so the fake may send both and the check accepts a decimal string too.
 * - Links (`uri`, `first_page_uri`, `next_page_uri`) are `format: uri`, which means absolute, yet
 *   Twilio sends paths relative to https://api.twilio.com; `uri` is checked as a URI reference.
 */
function widen(node: unknown, key = ''): unknown {
  if (Array.isArray(node)) return node.map((item) => widen(item));
  if (typeof node !== 'object' || node === null) return node;
  const copy: SchemaObject = {};
  for (const [name, value] of Object.entries(node)) {
    copy[name] =
      name === '$ref' ? String(value).replace('#/components/schemas/', `${ROOT_ID}#/$defs/`) : widen(value, name);
  }
  if (key === 'price' && copy.type === 'number') {
    return { ...copy, type: ['number', 'string'], pattern: '^-?\\d+(\\.\\d+)?$' };
  }
  return copy;
}

function validator(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  addFormats.default(ajv, ['date', 'int64']);
  ajv.addFormat('uri', /^(?:[a-z][a-z0-9+.-]*:\/\/[^\s]+|\/[^\s]*)$/i);
  ajv.addFormat('date-time-rfc-2822', /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/);
  // ISO 4217, in either case: the balance sends "USD", usage records send "usd".
  ajv.addFormat('currency', /^[A-Za-z]{3}$/);
  // A map of links on an object; Ajv checks formats on strings only, so this names it and nothing more.
  ajv.addFormat('uri-map', true);
  // Twilio's own annotations, which say nothing about validity.
  ajv.addKeyword('x-twilio');
  ajv.addKeyword('example');
  ajv.addSchema({ $id: ROOT_ID, $defs: widen(spec.components.schemas) });
  return ajv;
}

const ajv = validator();
// Everything is compiled once, at load: a first request must not pay for it inside a test's deadline.
const operations = Object.entries(spec.paths).flatMap(([template, item]) => {
  const get = item.get;
  if (!get) return [];
  const names: string[] = [];
  const pattern = template.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_all, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const body = widen(get.responses['200'].content['application/json'].schema) as SchemaObject;
  return [
    {
      template,
      matcher: new RegExp(`^${pattern}$`),
      names,
      parameters: get.parameters.map((parameter) => ({
        ...parameter,
        check: ajv.compile(widen(parameter.schema) as SchemaObject),
      })),
      validateBody: ajv.compile(body),
    },
  ];
});

function operationFor(template: string) {
  const operation = operations.find((o) => o.template === template);
  if (!operation) throw new Error(`Twilio's description has no GET ${template}`);
  return operation;
}

/** The described GET this path names, with path parameters that fit their schemas; null when Twilio has no such resource. */
export function matchOperation(pathname: string): MatchedOperation | null {
  for (const operation of operations) {
    const found = operation.matcher.exec(pathname);
    if (!found) continue;
    const pathParams: Record<string, string> = {};
    operation.names.forEach((name, index) => {
      pathParams[name] = decodeURIComponent(found[index + 1] ?? '');
    });
    const fits = operation.parameters.filter((p) => p.in === 'path').every((p) => p.check(pathParams[p.name]));
    return fits ? { template: operation.template, pathParams } : null;
  }
  return null;
}

/**
 * What is wrong with a query string for this operation, or null when the description allows it:
 * every parameter known, given once, of its type. Dates may also be offsets such as `-30days`,
 * which the description of StartDate and EndDate allows in words.
 */
export function queryProblem(template: string, query: URLSearchParams): string | null {
  const parameters = operationFor(template).parameters.filter((p) => p.in === 'query');
  const seen = new Set<string>();
  for (const [name, raw] of query) {
    const parameter = parameters.find((p) => p.name === name);
    if (!parameter) return `Unknown query parameter ${name}`;
    if (seen.has(name)) return `Query parameter ${name} is given more than once`;
    seen.add(name);
    if (!parameter.check(typed(parameter.schema, raw))) return `Invalid value for ${name}: ${raw}`;
  }
  return null;
}

const DATE_OFFSET = /^[+-]\d+days$/;

/** A query string value as the type its schema names, so the schema's own constraints apply. */
function typed(schema: SchemaObject, raw: string): unknown {
  if (schema.type === 'integer') return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (schema.format === 'date' && DATE_OFFSET.test(raw)) return '2000-01-01';
  return raw;
}

/** The schema errors of a 200 body for this operation, empty when it fits. */
export function bodyProblems(template: string, body: unknown): string[] {
  const { validateBody } = operationFor(template);
  if (validateBody(body)) return [];
  return (validateBody.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
}

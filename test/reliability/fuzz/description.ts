/** The routes Tally publishes, read from its own GET /openapi.json: what each takes and who may call it. */

export interface Schema {
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

export interface Operation {
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

export interface OpenApiOperation {
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
}

/** A batch's items are checked by the route, not the schema: give them the single route's schema. */
const ITEMS_LIKE: Record<string, string> = { 'POST /v1/responses/batch': 'POST /v1/responses' };

export function operationsOf(spec: { paths: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
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

import type { SwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import { ErrorReply } from '../contract/common.ts';
import { accessOf } from './auth.ts';

/** The error statuses a route names for its own service (404: an id in the body names nothing). */
type ServiceStatus = 402 | 404 | 409 | 502;

/** What each error status means, for the description; the codes are those of errors.ts's one table. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid_request (or twilio_credentials_rejected): error.details.field names what to fix. Nothing changed.',
  401: 'unauthorized: no key, an unknown key or a revoked key.',
  402: 'insufficient_credits: the workspace cannot pay and its plan allows no overage; or spend_limit_reached: a block spend limit of the workspace or the agent would be passed (error.details: scope, agentId, limit, used). Nothing was recorded.',
  403: 'forbidden: the key lacks the scope or is the wrong kind, or a dashboard write lacks its CSRF token or comes from a viewer.',
  404: 'not_found: no such resource in this workspace.',
  409: 'A conflict, named by error.code: idempotency_conflict, conflict, conversation_mismatch, agent_limit_reached or payments_not_configured. Nothing changed.',
  413: 'payload_too_large: the body is over TALLY_BODY_LIMIT_BYTES.',
  415: 'unsupported_media_type: the body is not application/json.',
  429: 'rate_limited: too many requests; retry after Retry-After seconds.',
  500: "internal_error: a fault of Tally's own; retrying with the same id is safe.",
  502: 'payment_provider_error: the payment provider failed. Nothing changed.',
  503: 'unavailable (the database cannot be reached, or the charge queue is full) or twilio_unavailable: retry after Retry-After seconds.',
};

const RETRY_AFTER = {
  'retry-after': { type: 'integer', minimum: 0, description: 'Seconds to wait before retrying.' },
} as const;

/** A route's own error answers, beyond the standard ones every route of its kind gets. */
export function serviceErrors(...statuses: ServiceStatus[]): Partial<Record<ServiceStatus, typeof ErrorReply>> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorReply]));
}

/**
 * Every request can be malformed (a NUL or a lone surrogate in any query string is refused, text-guard.ts), rate-limited,
 * fail on Tally's side or find the database away.
 */
const ALWAYS = [400, 429, 500, 503];
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The error statuses a route can answer, from what it takes and how it is guarded. */
function standardStatuses(route: RouteOptions): number[] {
  const schema = route.schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const takesBody = methods.some((method) => METHODS_WITH_BODY.has(method));
  const access = accessOf(route.preHandler);
  return [
    ...(access ? [401] : []),
    ...(access === 'restricted' ? [403] : []),
    ...(schema.params ? [404] : []),
    ...(takesBody ? [413, 415] : []),
    ...ALWAYS,
  ];
}

function errorResponse(status: number) {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'An error; error.code says which.',
    ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
    content: { 'application/json': { schema: { $ref: `${ErrorReply.$id}#` } } },
  };
}

/**
 * onRoute: every published route answers its errors with the one shared error body, declared for
 * each status it can answer (the standard ones by route kind, and those the route names itself),
 * so a new route is described completely without copying a list.
 */
export function declareErrorResponses(route: RouteOptions): void {
  const schema = route.schema;
  if (!schema || schema.hide) return;
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  const response: Record<string, unknown> = {};
  for (const [status, reply] of Object.entries(declared)) {
    response[status] = reply === ErrorReply ? errorResponse(Number(status)) : reply;
  }
  for (const status of standardStatuses(route)) response[status] ??= errorResponse(status);
  route.schema = { ...schema, response };
}

/** The description's document-level parts: servers, license, the bearer scheme, shared components by name. */
export const SWAGGER_OPTIONS: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Tally API',
      version: '1.0.0',
      description:
        'Usage metering and AI credits for voice and chat agents. Amounts are credits with at most 3 decimals; times are RFC 3339 UTC.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the Tally that serves this description is the one it describes, wherever it runs.
    servers: [{ url: '/', description: 'The Tally serving this description' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The operator key or a workspace key.' },
      },
    },
    security: [{ bearer: [] }],
  },
  // Shared schemas keep their own name under components/schemas (ErrorReply), not def-N.
  refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
};

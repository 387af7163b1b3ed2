import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, TallyError } from '../domain/errors.ts';

/** The one table from error code to HTTP status. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  insufficient_credits: 402,
  spend_limit_reached: 402,
  agent_limit_reached: 409,
  idempotency_conflict: 409,
  conversation_mismatch: 409,
  conflict: 409,
  rate_limited: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  twilio_unavailable: 503,
  twilio_credentials_rejected: 400,
  payment_provider_error: 502,
  payments_not_configured: 409,
  unavailable: 503,
};

/** Seconds a client should wait before retrying while the database is unreachable or overloaded. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/**
 * PostgreSQL shutting down or restarting (57P01-57P03), a connection that failed or broke (class 08,
 * too many connections 53300), or the socket itself refused or reset: the database is away, not
 * broken by this request, so the client gets a 503 to retry rather than a 500.
 */
const UNAVAILABLE_DB_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const UNAVAILABLE_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 4; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_DB_CODES.has(code) || UNAVAILABLE_NET_CODES.has(code))) return true;
    if (UNAVAILABLE_MESSAGES.some((text) => at instanceof Error && at.message.includes(text))) return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; requestId: string };
}

export function errorBody(
  code: string,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}), requestId } };
}

function describeValidation(error: FastifyError): { message: string; details: Record<string, unknown> } {
  const first = error.validation?.[0];
  const context = error.validationContext ?? 'body';
  if (!first) return { message: error.message, details: { in: context } };
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties') {
    const field = [path, String(params.additionalProperty)].filter(Boolean).join('.');
    return { message: `Unknown field "${field}" in the ${context}; remove it.`, details: { in: context, field } };
  }
  if (first.keyword === 'required') {
    const field = [path, String(params.missingProperty)].filter(Boolean).join('.');
    return { message: `Missing required field "${field}" in the ${context}.`, details: { in: context, field } };
  }
  const field = path || context;
  return {
    message: `${field} ${first.message ?? 'is invalid'}.`,
    details: { in: context, field, rule: first.keyword },
  };
}

/**
 * Errors Fastify's router raises before any route or hook runs (Fastify's `frameworkErrors`): the
 * same error body as every other 4xx, instead of Fastify's own `{error, code, statusCode}`.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const requestId = String(request.id);
  reply.header('x-request-id', requestId);
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return reply
        .code(400)
        .send(
          errorBody(
            'invalid_request',
            'The path is not valid percent-encoding; encode each path segment (encodeURIComponent).',
            requestId,
            { in: 'path' },
          ),
        );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return reply.code(400).send(
        errorBody('invalid_request', 'A path segment is longer than any id Tally accepts.', requestId, {
          in: 'path',
        }),
      );
  }
  return handleError(error, request, reply);
}

/** Maps every error to the contract's JSON shape. Only a fault of Tally's own is a 5xx. */
export function handleError(error: FastifyError | TallyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const requestId = String(request.id);
  if (error instanceof TallyError) {
    const status = STATUS_BY_CODE[error.code];
    if (error.code === 'unavailable') reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    return reply.code(status).send(errorBody(error.code, error.message, requestId, error.details));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const { message, details } = describeValidation(fastifyError);
    return reply.code(400).send(errorBody('invalid_request', message, requestId, details));
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.code(413).send(errorBody('payload_too_large', 'The request body is too large.', requestId));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply
        .code(415)
        .send(
          errorBody('unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.', requestId),
        );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.code(400).send(errorBody('invalid_request', 'The JSON body is empty.', requestId));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply.code(400).send(errorBody('invalid_request', 'Content-Length does not match the body.', requestId));
  }
  // Only the body parser's own error: a SyntaxError thrown by Tally's code (BigInt("1e-7") once) is a fault, not bad input.
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return reply
      .code(400)
      .send(errorBody('invalid_request', `The body is not valid JSON: ${error.message}`, requestId));
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return reply
      .code(503)
      .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
      .send(
        errorBody(
          'unavailable',
          'The database cannot be reached right now; retry with the same id after Retry-After seconds (a charge is never recorded twice).',
          requestId,
        ),
      );
  }
  const status = fastifyError.statusCode;
  if (status === 429) return reply.code(429).send(errorBody('rate_limited', fastifyError.message, requestId));
  if (status && status >= 400 && status < 500) {
    return reply.code(status).send(errorBody('invalid_request', fastifyError.message, requestId));
  }
  request.log.error({ err: error }, 'request failed');
  return reply
    .code(500)
    .send(
      errorBody(
        'internal_error',
        'Tally could not complete the request; it is safe to retry with the same id.',
        requestId,
      ),
    );
}

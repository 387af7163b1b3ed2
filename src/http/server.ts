import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { ErrorReply } from '../contract/common.ts';
import { TallyError } from '../domain/errors.ts';
import type { Authenticator } from './auth.ts';
import { duplicateKeyIn } from './duplicate-keys.ts';
import { errorBody, handleError, handleFrameworkError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { declareErrorResponses, SWAGGER_OPTIONS } from './openapi.ts';
import { refuseUnacceptableText } from './text-guard.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A group of routes; each module under routes/ exports a function that returns one. */
export type Routes = (app: App) => Promise<void> | void;

export interface ServerOptions {
  authenticators: Authenticator[];
  routes: Routes[];
  metrics: Metrics;
  /** A pino logger, or false for none (tests). */
  logger: FastifyBaseLogger | false;
  bodyLimitBytes: number;
  /** Requests per minute per key (or per address without one); 0 turns limiting off. */
  rateLimitPerMinute: number;
  /** Checked by /readyz. */
  ready: () => Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The longest path segment routed: an id of the longest length the API accepts (128 characters,
 * src/contract/common.ts) with every character percent-encoded. Fastify's default of 100 refused
 * to route some ids the API had accepted.
 */
const MAX_PATH_PARAM_LENGTH = 3 * 128;

function validators() {
  // Bodies are taken exactly as sent: no type coercion, no silently dropped fields.
  const body = new Ajv({
    allErrors: false,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  // Query strings and paths are text, so numbers there are coerced.
  const text = new Ajv({
    allErrors: false,
    coerceTypes: 'array',
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  for (const ajv of [body, text]) {
    addFormats.default(ajv, ['date-time', 'date', 'uri', 'email']);
  }
  return { body, text };
}

export async function buildServer(options: ServerOptions): Promise<App> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: handleFrameworkError,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // JSON only: any other body type is a 415 with a message, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser (prototype-poisoning checks and all), then one more refusal: a key twice.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const repeated = duplicateKeyIn(text);
      if (repeated === null) return done(null, value);
      done(
        new TallyError('invalid_request', `The JSON body gives "${repeated}" twice; send each field once.`, {
          field: repeated,
        }),
        undefined,
      );
    });
  });

  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.text).compile(schema));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`, String(request.id))),
  );

  // Closing: connections idle at that moment are closed at once (forceCloseConnections: 'idle'), and
  // every response still in flight tells its client to reconnect, so its keep-alive socket ends with
  // it. Without this, a client that keeps sockets open (undici, browsers) held close() for Fastify's
  // 72 s keep-alive timeout, and a SIGTERM under load did not end the process.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    for (const authenticate of options.authenticators) {
      const principal = await authenticate(request);
      if (principal) {
        request.principal = principal;
        return;
      }
    }
  });

  app.addHook('preValidation', refuseUnacceptableText);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    options.metrics.requestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    request.log.info(
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      'request',
    );
  });

  if (options.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      // Per key: the principal is not resolved yet at this point, so the bearer token's hash stands for it.
      keyGenerator: (request) => request.headers.authorization?.slice(-16) ?? request.ip,
      // Thrown, so the one error handler answers it: a plain object arrived there without its message.
      errorResponseBuilder: (_request, context) =>
        new TallyError(
          'rate_limited',
          `Too many requests: at most ${context.max} a minute. Retry after ${context.after}.`,
        ),
      allowList: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url),
    });
  }

  app.addSchema(ErrorReply);
  app.addHook('onRoute', declareErrorResponses);
  await app.register(swagger, SWAGGER_OPTIONS);
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await options.ready();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );

  for (const routes of options.routes) await routes(app);
  return app;
}

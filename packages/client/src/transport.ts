import { SpendLimitReachedError, TallyApiError, TallyRequestError } from './errors.ts';
import { newId } from './ids.ts';
import { backoffMs, isRetryableStatus, type RetryOptions, sleep } from './retry.ts';
import type { Route } from './routes.ts';

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  retry: RetryOptions;
  fetch: typeof fetch;
}

/** Per call: the caller's signal, and for keyed operations an Idempotency-Key to use (default a new one). */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  idempotencyKey?: string;
}

export interface Request {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

function urlOf(baseUrl: string, route: Route, request: Request): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new TypeError(`${route.path}: the path parameter "${name}" is missing`);
    return encodeURIComponent(value);
  });
  // appended, not resolved: a base URL with a path (https://example.com/tally) keeps it
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

function apiErrorOf(response: Response, text: string): TallyApiError {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  try {
    const { error } = JSON.parse(text) as {
      error: { code: string; message: string; details?: Record<string, unknown>; requestId?: string };
    };
    if (typeof error?.code === 'string') {
      const init = { status: response.status, ...error, requestId: error.requestId ?? requestId };
      return error.code === 'spend_limit_reached' ? new SpendLimitReachedError(init) : new TallyApiError(init);
    }
  } catch {
    // not Tally's error body (a proxy's page, say): described below by its status
  }
  return new TallyApiError({
    status: response.status,
    code: 'unexpected_response',
    message: `Tally answered ${response.status} without an error body: ${text.slice(0, 200)}`,
    requestId,
  });
}

async function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch (reason) {
    throw new TallyRequestError('aborted', 'The call was aborted by its signal.', { cause: reason });
  }
}

/**
 * One logical call: the same request (same body, same Idempotency-Key) sent up to `maxAttempts`
 * times while the failure is worth retrying — no answer, 5xx or 429 — never on another 4xx.
 */
export async function send<T>(
  config: TransportConfig,
  route: Route,
  request: Request,
  options: CallOptions = {},
): Promise<T> {
  const url = urlOf(config.baseUrl, route, request);
  const headers: Record<string, string> = { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if ('keyed' in route) headers['idempotency-key'] = options.idempotencyKey ?? newId('idem');
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const { maxAttempts } = config.retry;

  for (let attempt = 1; ; attempt += 1) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await config.fetch(url, { method: route.method, headers, body, signal });
      text = await response.text();
    } catch (cause) {
      if (options.signal?.aborted) {
        throw new TallyRequestError('aborted', 'The call was aborted by its signal.', { cause });
      }
      const failure = timeout.aborted
        ? new TallyRequestError('timeout', `No answer from Tally within ${timeoutMs} ms to ${route.method} ${url}.`, {
            cause,
          })
        : new TallyRequestError('network_error', `Could not reach Tally at ${url}.`, { cause });
      if (!route.idempotent || attempt >= maxAttempts) throw failure;
      await waitOrAbort(backoffMs(attempt, config.retry, null), options.signal);
      continue;
    }
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    const error = apiErrorOf(response, text);
    const retryable = isRetryableStatus(response.status) && (route.idempotent || response.status === 429);
    if (!retryable || attempt >= maxAttempts) throw error;
    await waitOrAbort(backoffMs(attempt, config.retry, response.headers.get('retry-after')), options.signal);
  }
}

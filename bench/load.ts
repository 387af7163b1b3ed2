import autocannon from 'autocannon';
import { type Latency, latencyOf, round } from './stats.ts';

export interface LoadRun {
  /** Requests answered with a 2xx, per second. */
  rps: number;
  latency: Latency;
  ok: number;
  /** Non-2xx answers and socket errors: a healthy run has none. */
  failed: number;
}

export interface LoadSpec {
  /** Several URLs share the connections round-robin (servers in several processes, one load). */
  url: string | readonly string[];
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A fresh body per request (unique response ids); omitted for reads. */
  body?: () => string;
  /** Workspace keys taken in turn, one per request, instead of the authorization in `headers`. */
  keys?: readonly string[];
  seconds: number;
  connections: number;
  /** A fixed offered rate (requests per second across all connections) instead of saturation. */
  rate?: number;
}

/** Drives one route with autocannon, collecting each response's exact latency. */
export async function load(spec: LoadSpec): Promise<LoadRun> {
  const { body: makeBody, keys } = spec;
  let turn = 0;
  const setupRequest =
    makeBody || keys
      ? (request: autocannon.Request) => {
          if (makeBody) request.body = makeBody();
          if (keys) request.headers = { ...spec.headers, authorization: `Bearer ${keys[turn++ % keys.length]}` };
          return request;
        }
      : undefined;
  const samples: number[] = [];
  let ok = 0;
  let failed = 0;
  const options: autocannon.Options = {
    // autocannon takes a list of URLs (connection i goes to url[i % n]); its type declares a string only.
    url: spec.url as string,
    duration: spec.seconds,
    connections: spec.connections,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        ...(setupRequest ? { setupRequest } : {}),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        samples.push(responseTime);
      } else failed++;
    });
  });
  failed += result.errors + result.timeouts;
  return { rps: round(ok / spec.seconds, 1), latency: latencyOf(samples), ok, failed };
}

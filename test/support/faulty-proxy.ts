import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to the next request: `lose-answer` forwards it to Tally (so it takes effect)
 * and then drops the connection instead of answering; `status` answers it itself, with
 * `Retry-After` when given, and Tally never sees it; `hang` never answers.
 */
export type Fault =
  | { kind: 'lose-answer' }
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'hang' };

export interface FaultyProxy {
  url: string;
  /** Faults for the next requests, used up in order; then requests pass through untouched. */
  faults: Fault[];
  /** Every request that reached the proxy, in order. */
  requests: Array<{ method: string; path: string; idempotencyKey: string | undefined }>;
  close(): Promise<void>;
}

/** A real HTTP proxy on loopback in front of a real Tally, failing the way networks and servers do. */
export async function startFaultyProxy(targetUrl: string): Promise<FaultyProxy> {
  const target = new URL(targetUrl);
  const proxy = { faults: [] as Fault[], requests: [] as FaultyProxy['requests'] };
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const key = incoming.headers['idempotency-key'];
      proxy.requests.push({
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        idempotencyKey: typeof key === 'string' ? key : undefined,
      });
      const fault = proxy.faults.shift();
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        return outgoing.writeHead(fault.status, headers).end(JSON.stringify(fault.body ?? {}));
      }
      const upstream = forward(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            if (fault?.kind === 'lose-answer') return incoming.socket.destroy();
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
          });
        },
      );
      upstream.on('error', () => incoming.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

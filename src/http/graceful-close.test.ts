import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { buildServer } from './server.ts';

it('ends a keep-alive connection with the response in flight at close, so close does not wait on idle clients', async () => {
  let release = () => {};
  let entered = () => {};
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const app = await buildServer({
    authenticators: [],
    metrics: createMetrics(),
    logger: false,
    bodyLimitBytes: 1024,
    rateLimitPerMinute: 0,
    ready: async () => {},
    routes: [
      (server) => {
        server.get('/slow', { schema: { hide: true } }, async () => {
          entered();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { done: true };
        });
      },
    ],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  // A client that keeps its sockets open between requests, like undici or a browser.
  const agent = new Agent({ keepAlive: true });
  const answered = new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/slow', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
  await inHandler;

  const closed = app.close();
  // Once the port is closed, closing has begun; only then does the held response go out.
  while (app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
  release();
  expect(await answered).toEqual({ status: 200, connection: 'close' });
  // Without the header the agent would keep the socket, and close() would wait out the keep-alive timeout (72 s).
  await closed;
  agent.destroy();
});

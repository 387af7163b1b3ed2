import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, as a receiver must verify it. */
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read event fields directly and assert on them
  event: any;
}

/** up: 200; down: the connection is dropped; failing: 500; hanging: never answers. */
export type ReceiverMode = 'up' | 'down' | 'failing' | 'hanging';

export interface WebhookReceiver {
  url: string;
  /** Every request that got a 200, in arrival order. */
  received: ReceivedWebhook[];
  /** Every request that arrived, whatever the answer. */
  requests: number;
  mode: ReceiverMode;
  close(): Promise<void>;
}

/** A real HTTP server on loopback standing in for the operator's webhook endpoint. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const receiver = { received: [] as ReceivedWebhook[], requests: 0, mode: 'up' as ReceiverMode };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.requests += 1;
      if (receiver.mode === 'down') return request.socket.destroy();
      if (receiver.mode === 'hanging') return;
      if (receiver.mode === 'failing') return response.writeHead(500).end('receiver is broken');
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.received.push({ headers: request.headers, body, event: JSON.parse(body) });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

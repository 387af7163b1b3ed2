import type { RequestListener } from 'node:http';
import { verifyWebhook, type WebhookEvent } from '@tally/client';

/**
 * The operator's endpoint for Tally's webhooks (`http.createServer(tallyWebhooks(secret, handle))`):
 * verify the raw body against the `webhook-*` headers, answer 2xx quickly, and drop an event id
 * already handled, since delivery is at least once.
 */
export function tallyWebhooks(secret: string, handle: (event: WebhookEvent) => void): RequestListener {
  const handled = new Set<string>();
  return (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      let event: WebhookEvent;
      try {
        event = verifyWebhook(body, request.headers, secret);
      } catch {
        response.writeHead(400).end('bad signature');
        return;
      }
      if (!handled.has(event.id)) {
        handled.add(event.id);
        handle(event);
      }
      response.writeHead(204).end();
    });
  };
}

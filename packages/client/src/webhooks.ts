import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from './types.ts';

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

const STANDARD_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function standardHeaders(headers: HeaderBag): Record<string, string> {
  const read = (name: string): string => {
    if (headers instanceof Headers) return headers.get(name) ?? '';
    const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  };
  return Object.fromEntries(STANDARD_HEADERS.map((name) => [name, read(name)]));
}

/**
 * Secrets made before Tally adopted Standard Webhooks are `whsec_` + base64url; the same key in
 * the standard alphabet is what Standard Webhooks libraries read.
 */
function standardSecret(secret: string): string {
  const prefix = 'whsec_';
  const key = secret.startsWith(prefix) ? secret.slice(prefix.length) : secret;
  return `${prefix}${key.replaceAll('-', '+').replaceAll('_', '/')}`;
}

/**
 * Checks a delivery's `webhook-*` headers against the raw body (exactly as received, before any
 * JSON parsing) and the subscription's secret, and returns the event. Throws when the signature
 * does not match or the timestamp is more than 5 minutes from now.
 */
export function verifyWebhook(payload: string, headers: HeaderBag, secret: string): WebhookEvent {
  return new Webhook(standardSecret(secret)).verify(payload, standardHeaders(headers)) as WebhookEvent;
}

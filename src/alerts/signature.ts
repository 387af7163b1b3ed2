import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Tally's own signature from before Standard Webhooks: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "t.body">` keyed with the whole secret string. Sent beside the Standard Webhooks headers during the
 * transition (src/alerts/README.md says until when); the `webhook-*` headers are the contract.
 */
export const SIGNATURE_HEADER = 'Tally-Signature';

export const DEFAULT_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes, the HMAC key. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * The HMAC key a secret stands for: the bytes its base64 encodes. Secrets made before Standard
 * Webhooks were written in the base64url alphabet (`-` and `_` for `+` and `/`, no padding); the
 * same bytes are read from them, so every existing secret keeps its key.
 */
function signingKey(secret: string): Uint8Array {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/**
 * The Standard Webhooks headers for one delivery of an event: its id (the same on every retry, so a
 * receiver can drop duplicates), the send time in seconds, and `v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, signed by the `standardwebhooks` library.
 */
export function standardWebhookHeaders(secret: string, eventId: string, body: string, at: Date) {
  const webhook = new Webhook(signingKey(secret), { format: 'raw' });
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': webhook.sign(eventId, at, body),
  };
}

function hmac(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The signature header for `body` sent at `at`, signed with the subscription's whole secret string. */
export function signTallyPayload(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * For receivers: true when `header` carries a v1 signature of exactly these body bytes made with
 * `secret`, and its timestamp is within `toleranceSeconds` of `now` (a replayed old delivery fails).
 * Pass the raw body as received, before any JSON parsing.
 */
export function verifyTallySignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now: Date = new Date(),
): boolean {
  if (!header) return false;
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  // Several v1 values may be present (a secret being rotated); any one that matches is enough.
  return signatures.some((candidate) => timingSafeEqual(candidate, expected));
}

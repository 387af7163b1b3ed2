import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface Recipient {
  workspaceId: string;
  userId: string;
}

/** A key of its own for unsubscribe links, derived from TALLY_SECRET_KEY, so a link signs nothing else. */
function linkKey(secretKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'tally email unsubscribe v1', 32));
}

function mac(secretKey: Uint8Array, payload: string): Buffer {
  return createHmac('sha256', linkKey(secretKey)).update(payload).digest();
}

/**
 * The token in every mail's unsubscribe link: who it was sent to, and an HMAC of that. It does not
 * expire — a mail read months later must still unsubscribe — and it can only unsubscribe (or show)
 * that one user's notices of that one workspace.
 */
export function unsubscribeToken(secretKey: Uint8Array, recipient: Recipient): string {
  const payload = Buffer.from(JSON.stringify([recipient.workspaceId, recipient.userId])).toString('base64url');
  return `${payload}.${mac(secretKey, payload).toString('base64url')}`;
}

/** The recipient a token names, or null when it is malformed or not signed with this key. */
export function readUnsubscribeToken(secretKey: Uint8Array, token: string): Recipient | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secretKey, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed)) return null;
    const [workspaceId, userId] = parsed as unknown[];
    if (parsed.length !== 2 || typeof workspaceId !== 'string' || typeof userId !== 'string') return null;
    return { workspaceId, userId };
  } catch {
    return null;
  }
}

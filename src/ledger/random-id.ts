import { randomBytes } from 'node:crypto';

/** Server-made ids: a short type prefix and 16 random bytes, e.g. `ws_3J9...`. */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

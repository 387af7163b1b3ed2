/** A random id for a response, a conversation or an Idempotency-Key: `prefix_` and 128 random bits. */
export function newId(prefix: string): string {
  return `${prefix}_${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
}

import type { FastifyRequest } from 'fastify';
import { TallyError } from '../domain/errors.ts';

export interface NulPlace {
  in: 'params' | 'querystring' | 'body';
  /** Dotted path to the value ("responses.3.agentId"); empty when the part itself is a string. */
  field: string;
}

/**
 * Where a NUL character (U+0000) hides in a request's parsed path, query or body, or null.
 * Walks with a stack rather than recursion: valid JSON may nest arrays 100,000 deep.
 */
export function nulCharacterAt(parts: Record<NulPlace['in'], unknown>): NulPlace | null {
  const pending: Array<[NulPlace['in'], string, unknown]> = [];
  for (const [part, value] of Object.entries(parts)) pending.push([part as NulPlace['in'], '', value]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [part, path, value] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { in: part, field: path };
      continue;
    }
    // Buffers (the Stripe webhook's raw body) are bytes, not text.
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue;
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { in: part, field };
      pending.push([part, field, item]);
    }
  }
  return null;
}

/**
 * PostgreSQL cannot store a NUL in text and fails the whole statement, so a NUL anywhere in the
 * input was a 500 there (and stored as is on SQLite). Both stores now answer the same 400.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const at = nulCharacterAt({ params: request.params, querystring: request.query, body: request.body });
  if (!at) return;
  throw new TallyError(
    'invalid_request',
    `${at.field || `The ${at.in}`} contains a NUL character (\\u0000), which Tally does not accept in text.`,
    { in: at.in, field: at.field || at.in },
  );
}

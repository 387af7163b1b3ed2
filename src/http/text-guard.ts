import type { FastifyRequest } from 'fastify';
import { TallyError } from '../domain/errors.ts';

export interface TextPlace {
  in: 'params' | 'querystring' | 'body';
  /** Dotted path to the value ("responses.3.agentId"); empty when the part itself is a string. */
  field: string;
  /** What is wrong with the text there. */
  problem: 'nul' | 'lone_surrogate';
}

/** A UTF-16 surrogate without its pair: `"\ud800"` in JSON parses to one, and it is no character. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problemOf(text: string): TextPlace['problem'] | null {
  if (text.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(text) ? 'lone_surrogate' : null;
}

/**
 * Where text Tally does not accept hides in a request's parsed path, query or body, or null.
 * Walks with a stack rather than recursion: valid JSON may nest arrays 100,000 deep.
 */
export function unacceptableTextAt(parts: Record<TextPlace['in'], unknown>): TextPlace | null {
  const pending: Array<[TextPlace['in'], string, unknown]> = [];
  for (const [part, value] of Object.entries(parts)) pending.push([part as TextPlace['in'], '', value]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [part, path, value] = next;
    if (typeof value === 'string') {
      const problem = problemOf(value);
      if (problem) return { in: part, field: path, problem };
      continue;
    }
    // Buffers (the Stripe webhook's raw body) are bytes, not text.
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue;
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      const problem = problemOf(key);
      if (problem) return { in: part, field, problem };
      pending.push([part, field, item]);
    }
  }
  return null;
}

const WHY: Record<TextPlace['problem'], string> = {
  nul: 'a NUL character (\\u0000)',
  lone_surrogate: 'a lone UTF-16 surrogate (such as \\ud800 without its pair), which is no character',
};

/**
 * PostgreSQL cannot store a NUL in text and fails the whole statement, so a NUL anywhere in the
 * input was a 500 there (and stored as is on SQLite). A lone surrogate was stored as one replacement
 * character on PostgreSQL and three on SQLite, and PostgreSQL's JSON refuses it. Both stores now
 * answer the same 400 for either.
 */
export async function refuseUnacceptableText(request: FastifyRequest): Promise<void> {
  const at = unacceptableTextAt({ params: request.params, querystring: request.query, body: request.body });
  if (!at) return;
  throw new TallyError(
    'invalid_request',
    `${at.field || `The ${at.in}`} contains ${WHY[at.problem]}, which Tally does not accept in text.`,
    { in: at.in, field: at.field || at.in },
  );
}

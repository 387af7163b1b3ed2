import { ADMIN_KEY } from '../support/tally-process.ts';
import type { Operation } from './description.ts';
import { CONCURRENCY } from './settings.ts';
import { BASE_EXTRAS, fresh, realPathParam, validValue, type World } from './world.ts';

/** Requests as drafts that mutations break, and how they are sent. */

/** A JSON literal JSON.stringify cannot write (1e999, -0): sent as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function encodeJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}` : v,
  );
  return (text ?? '').replace(/"\\u0000raw(\d+)"/g, (_match, index: string) => raws[Number(index)] ?? 'null');
}

export interface Draft {
  params: Record<string, string>;
  query: string[];
  headers: Record<string, string>;
  /** The body as a JSON value; undefined sends none. */
  json: unknown;
  /** When set, sent instead of json, with whatever content-type headers say (none when absent). */
  raw: string | Blob | undefined;
}

export interface Mutation {
  label: string;
  /** Applied in stage order, so that an oddity never repairs a sure break applied after it. */
  stage: number;
  apply(draft: Draft): void;
}

export const ODDITY = 0;
export const BREAK = 1;
export const RAW_BODY = 2;
export const KEY_ODDITY = 3;
export const KEY = 4;

export interface Request {
  phase: 'invalid' | 'edge';
  op: Operation;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Blob | undefined;
  labels: string[];
}

export interface Answer {
  request: Request;
  status: number;
  text: string;
  json: unknown;
  contentType: string;
  requestId: string | null;
}

export function baseDraft(op: Operation, world: World, target: 'primary' | 'sandbox'): Draft {
  const ids = target === 'primary' ? world.primary : world.sandbox;
  const headers: Record<string, string> = {};
  if (op.principal === 'operator') headers.authorization = `Bearer ${ADMIN_KEY}`;
  if (op.principal === 'workspace') {
    headers.authorization = `Bearer ${target === 'primary' ? world.primaryKey : world.sandboxKey}`;
  }
  for (const header of op.headers) {
    if (header.name === 'idempotency-key') headers[header.name] = fresh('idem');
  }
  const draft: Draft = { params: {}, query: [], headers, json: undefined, raw: undefined };
  for (const param of op.pathParams) draft.params[param] = encodeURIComponent(realPathParam(op, param, ids));
  if (op.body) {
    draft.json = { ...(validValue(op.body, 'body', world) as Record<string, unknown>), ...BASE_EXTRAS[op.name] };
    draft.headers['content-type'] = 'application/json';
  }
  return draft;
}

export function finish(op: Operation, draft: Draft, labels: string[], phase: Request['phase']): Request {
  let path = op.path;
  for (const [name, value] of Object.entries(draft.params)) path = path.replace(`{${name}}`, value);
  const query = draft.query.length > 0 ? `?${draft.query.join('&')}` : '';
  let body: string | Blob | undefined = draft.raw;
  if (body === undefined && draft.json !== undefined) body = encodeJson(draft.json);
  return { phase, op, method: op.method, url: `${path}${query}`, headers: draft.headers, body, labels };
}

export function bodyBytes(request: Request): number {
  const body = request.body;
  if (body === undefined) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.size;
}

/**
 * fetch resolves dot segments before sending: `/v1/workspaces/../dashboard-sessions` goes out as
 * `/v1/dashboard-sessions`, a whole request to another route, so no break of this one reached Tally.
 */
export function sentAsWritten(request: Request): boolean {
  return new URL(request.url, 'http://tally.test').pathname === request.url.split('?')[0];
}

async function send(base: string, request: Request): Promise<Answer> {
  try {
    const response = await fetch(`${base}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return {
      request,
      status: response.status,
      text,
      json,
      contentType: response.headers.get('content-type') ?? '',
      requestId: response.headers.get('x-request-id'),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const text = `${error}: ${cause?.code ?? cause?.message ?? 'no cause'}`;
    return { request, status: 0, text, json: null, contentType: '', requestId: null };
  }
}

export async function sendAll(base: string, requests: Request[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let index = next++; index < requests.length; index = next++) {
        answers[index] = await send(base, requests[index] as Request);
      }
    }),
  );
  return answers;
}

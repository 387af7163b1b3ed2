import { STATUS_BY_CODE } from '../../../src/http/errors.ts';
import type { Tally } from '../support/tally-process.ts';
import { isRecord, preview } from './edge-generators.ts';
import type { Answer } from './requests.ts';

/** Oracles: what is wrong with an answer, compared with docs/api.md and /openapi.json, and the report. */

/** What is wrong with a 4xx body, compared with docs/api.md "Errors"; null when it is right. */
export function errorShapeProblem(answer: Answer): string | null {
  if (!answer.contentType.startsWith('application/json')) return `content-type "${answer.contentType}", not JSON`;
  const body = answer.json;
  if (!isRecord(body) || Object.keys(body).join() !== 'error') return 'not exactly {"error": {...}}';
  const error = body.error;
  if (!isRecord(error)) return '"error" is not an object';
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'details', 'requestId'].includes(key));
  if (extra.length > 0) return `unexpected error fields ${extra.join(', ')}`;
  const code = error.code;
  if (typeof code !== 'string' || !(code in STATUS_BY_CODE)) return `unknown error code ${JSON.stringify(code)}`;
  const expected = STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE];
  if (expected !== answer.status) return `code ${code} belongs to status ${expected}, answered ${answer.status}`;
  if (typeof error.message !== 'string' || error.message.trim() === '') return 'no message';
  if (typeof error.requestId !== 'string' || error.requestId === '') return 'no requestId';
  if (error.requestId !== answer.requestId) return `requestId ${error.requestId} is not the X-Request-Id header`;
  if ('details' in error && !isRecord(error.details)) return '"details" is not an object';
  return null;
}

/** A batch answers 200 with a result per item: each refused item carries its own documented error. */
export function batchItemProblem(answer: Answer): { serverError: boolean; problem: string } | null {
  const results = isRecord(answer.json) && Array.isArray(answer.json.results) ? answer.json.results : [];
  for (const [index, item] of results.entries()) {
    const status = isRecord(item) ? item.status : undefined;
    if (typeof status !== 'number') return { serverError: false, problem: `results[${index}] has no status` };
    if (status >= 500) return { serverError: true, problem: `results[${index}] is a ${status}` };
    if (status < 400) continue;
    const error = isRecord(item) ? item.error : undefined;
    const code = isRecord(error) ? error.code : undefined;
    if (
      !isRecord(error) ||
      typeof code !== 'string' ||
      STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE] !== status ||
      typeof error.message !== 'string' ||
      error.message === ''
    ) {
      return { serverError: false, problem: `results[${index}] is a ${status} without its documented error` };
    }
  }
  return null;
}

function describeOffender(answer: Answer, problem: string): string {
  const { request } = answer;
  const body =
    request.body === undefined
      ? ''
      : ` body=${preview(typeof request.body === 'string' ? request.body : `<${request.body.size} bytes without a type>`, 240)}`;
  const type = request.headers['content-type'] ? ` (${request.headers['content-type']})` : '';
  return `${answer.status} ${request.method} ${preview(request.url, 200)} [${request.labels.join('; ')}]${type}${body}\n    → ${problem}: ${preview(answer.text, 240)}`;
}

/** Tally's own account of its 500s: each distinct error and where it was thrown. */
export function serverErrorsLogged(tally: Tally): string[] {
  const seen = new Set<string>();
  for (const line of tally.output().split('\n')) {
    if (!line.includes('"level":50')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string; stack?: string } };
      const where = (entry.err?.stack ?? '')
        .split('\n')
        .slice(1, 4)
        .map((frame) => frame.trim());
      seen.add(`${entry.err?.type}: ${entry.err?.message} ${where.join(' < ')}`);
    } catch {
      seen.add(preview(line, 400));
    }
  }
  return [...seen].slice(0, 10);
}

/** One line per kind of problem on a route, with a count, so a report of thousands stays readable. */
export function report(title: string, offenders: Array<{ answer: Answer; problem: string }>): string {
  const groups = new Map<string, { count: number; example: string }>();
  for (const { answer, problem } of offenders) {
    const key = `${answer.status} ${answer.request.op.name} ${problem.replace(/\d+/g, '#')}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { count: 1, example: describeOffender(answer, problem) });
  }
  if (offenders.length === 0) return `no ${title}`;
  const lines = [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, 40)
    .map((g) => `  ×${g.count} like ${g.example}`);
  return [`${offenders.length} ${title}:`, ...lines].join('\n');
}

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface Described {
  content?: Record<string, { schema?: unknown }>;
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, Described>;
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * Checks real answers against the API description: the status must be declared for the operation,
 * the Content-Type must be one of its media types, and the body must match that media type's schema
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12). Returns what is wrong, empty when nothing.
 */
export function answerChecker(spec: {
  paths: Record<string, Record<string, { responses: Record<string, Described> }>>;
}) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(spec, 'openapi');
  const operations: Operation[] = Object.entries(spec.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replaceAll('.', '\\.')}$`),
      responses: operation.responses,
    })),
  );
  // A fixed segment wins over a parameter: /v1/responses/batch before /v1/responses/{id}.
  operations.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  const pointer = (...parts: string[]) =>
    parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

  return (method: string, url: string, answer: Answer): string[] => {
    const path = url.split('?')[0] ?? url;
    const operation = operations.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    const where = `${method} ${path} → ${answer.status}`;
    if (!operation) return [`${where}: no operation in the description`];
    const declared = operation.responses[String(answer.status)];
    if (!declared) return [`${where}: status not declared for ${operation.method} ${operation.template}`];
    const mediaType = answer.headers.get('content-type')?.split(';')[0]?.trim() ?? null;
    if (!declared.content) {
      return answer.body === null ? [] : [`${where}: a body (${mediaType}) where none is declared`];
    }
    const media = mediaType === null ? undefined : declared.content[mediaType];
    if (!mediaType || !media) {
      return [`${where}: Content-Type ${mediaType} is not one of ${Object.keys(declared.content).join(', ')}`];
    }
    const validate = ajv.getSchema(
      `openapi#/${pointer('paths', operation.template, operation.method.toLowerCase(), 'responses', String(answer.status), 'content', mediaType, 'schema')}`,
    );
    if (!validate) return [`${where}: no schema for ${mediaType}`];
    return validate(answer.body) ? [] : [`${where}: body does not match: ${ajv.errorsText(validate.errors)}`];
  };
}

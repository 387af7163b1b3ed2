import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../test/support/http.ts';
import { sqliteFactory } from '../../test/support/stores.ts';

const REDOCLY = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer?: string }> }>;
}

/** Redocly CLI's recommended rules over the description as served, offline: no telemetry, no update check. */
async function redoclyLint(spec: unknown): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(spec));
    const run = await promisify(execFile)(
      process.execPath,
      [REDOCLY, 'lint', '--extends', 'recommended', '--format', 'json', file],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
        timeout: 60_000,
      },
    ).catch((failed: { stdout?: string }) => failed);
    return JSON.parse(run.stdout ?? '') as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the API description (/openapi.json)', () => {
  let created: Awaited<ReturnType<typeof sqliteFactory.create>>;
  let server: TestServer;
  // biome-ignore lint/suspicious/noExplicitAny: the tests walk the published JSON document
  let spec: any;
  beforeAll(async () => {
    created = await sqliteFactory.create();
    server = await startServer(created.store);
    spec = (await server.call('GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await server.close();
    await created.store.close();
    if (created.location.kind === 'sqlite') rmSync(dirname(created.location.file), { recursive: true, force: true });
  });

  it("passes Redocly's recommended rules with no errors and no warnings", async () => {
    const report = await redoclyLint(spec);
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 90_000);

  it('names every operation once, says where it is served and under which license', () => {
    const operations = Object.values(spec.paths).flatMap((methods) => Object.values(methods as object));
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(spec.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(spec.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });

  it('declares each error with the one shared error body, 429 with Retry-After on every operation', () => {
    const errorRef = { $ref: '#/components/schemas/ErrorReply' };
    expect(spec.components.schemas.ErrorReply.properties.error.required).toEqual(['code', 'message', 'requestId']);
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods as Record<string, { responses: object }>)) {
        const responses = operation.responses as Record<string, { content?: object; headers?: object }>;
        const where = `${method.toUpperCase()} ${path}`;
        for (const [status, response] of Object.entries(responses)) {
          if (Number(status) >= 400)
            expect(response.content, `${where} ${status}`).toEqual({
              'application/json': { schema: errorRef },
            });
        }
        expect(responses['429']?.headers, where).toHaveProperty('retry-after');
        if (path.includes('{')) expect(responses, where).toHaveProperty('404');
      }
    }
    expect(Object.keys(spec.paths['/v1/usage/export.csv'].get.responses['200'].content)).toEqual(['text/csv']);
  });
});

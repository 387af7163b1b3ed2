import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/users/users.ts';
import { contextAt } from '../support/context.ts';
import { call, field } from '../support/http-call.ts';
import { edgeRequests, invalidRequests } from './fuzz/break-generators.ts';
import { type OpenApiOperation, type Operation, operationsOf } from './fuzz/description.ts';
import { batchItemProblem, errorShapeProblem, report, serverErrorsLogged } from './fuzz/oracles.ts';
import { bodyBytes, sendAll, sentAsWritten } from './fuzz/requests.ts';
import { created, primaryState, startOutside } from './fuzz/runner.ts';
import { BODY_LIMIT_BYTES, SEED, STORES } from './fuzz/settings.ts';
import { fresh, type Ids, type World } from './fuzz/world.ts';
import { openBooks, readBooks } from './support/books.ts';
import { recordFigure } from './support/figures.ts';
import { ADMIN_KEY, type Books, startTally, type Tally, workspaceWithKey } from './support/tally-process.ts';

/*
 * Malformed requests for every route Tally publishes, generated from its own GET /openapi.json and
 * sent to a real Tally child, once on SQLite and once on PostgreSQL. Two rounds:
 *
 * 1. Invalid: a well-formed request for the route, then at least one thing surely broken (a
 *    missing, unknown or repeated field, a wrong JSON type, a value outside the schema, a body that
 *    is not JSON or not JSON-typed, a path id that names nothing, a header over its limit, no key, the
 *    wrong kind of key, a key without the scope, a dashboard write without its CSRF token), plus
 *    up to two more oddities. Sent to the "primary" workspace, which must not change at all: no
 *    write may succeed.
 * 2. Edges: valid requests with one field set to an edge value of the right type (100k-character
 *    strings, 1e300, 5e-324, -0, 1e999, leap seconds, year 0, unicode, NUL). Some are valid and
 *    succeed, so they go to a separate "sandbox" workspace; the primary must still not change.
 *
 * Every answer must be below 500, and every 4xx must be the documented error body (docs/api.md):
 * exactly {error: {code, message, requestId, details?}}, the code's status from STATUS_BY_CODE, the
 * requestId the X-Request-Id header, and every status one /openapi.json declares for the route. Offenders are collected and reported together, each with its
 * method, path, what was broken and the body, so they are easy to replay.
 *
 * Deterministic: fast-check draws from TALLY_FUZZ_SEED (default below); set it to explore further.
 */

describe.each(STORES)('malformed requests from the OpenAPI description, on %s', (storeName, makeBooks) => {
  let books: Books;
  let tally: Tally;
  let outside: { server: Server; url: string };
  let world: World;
  let ops: Operation[];

  beforeAll(async () => {
    outside = await startOutside();
    books = await makeBooks();
    tally = await startTally(books, {
      TALLY_LOG_LEVEL: 'warn',
      TALLY_TWILIO_API_URL: outside.url,
      // Purchases and plan changes are fuzzed too: granting them without payment is chosen here.
      TALLY_PAYMENTS: 'manual',
    });
    const url = tally.url;
    const primary = await workspaceWithKey(url, 1_000);
    const sandbox = await workspaceWithKey(url, 1_000_000);
    const keyOf = async (scopes: string[]) =>
      field<string>(await created(url, 'POST', `/v1/workspaces/${primary.id}/keys`, ADMIN_KEY, { scopes }), 'key');
    const revoked = (await created(url, 'POST', `/v1/workspaces/${primary.id}/keys`, ADMIN_KEY, {
      scopes: ['ingest', 'read', 'admin'],
    })) as { id: string; key: string };
    const gone = await call(url, 'DELETE', `/v1/workspaces/${primary.id}/keys/${revoked.id}`, { key: ADMIN_KEY });
    expect(gone.status).toBe(204);

    const idsOf = async (workspace: { id: string; key: string; keyId: string }): Promise<Ids> => {
      const response = { id: fresh('setup'), conversationId: 'setup-conv', channel: 'chat', agentId: 'setup-agent' };
      await created(url, 'POST', '/v1/responses', workspace.key, response);
      const hold = await created(url, 'POST', '/v1/reservations', workspace.key, { ttlSeconds: 3600 });
      const agent = await created(url, 'POST', '/v1/agents', workspace.key, { name: 'fuzz agent' });
      const webhook = await created(url, 'POST', '/v1/webhooks', ADMIN_KEY, {
        url: `${outside.url}/hook`,
        events: ['credits.low'],
      });
      return {
        workspace: workspace.id,
        keyId: workspace.keyId,
        reservation: field<string>(hold, 'id'),
        response: response.id,
        conversation: response.conversationId,
        agent: field<string>(agent, 'id'),
        webhook: field<string>(webhook, 'id'),
      };
    };
    world = {
      url,
      primaryKey: primary.key,
      sandboxKey: sandbox.key,
      ingestOnlyKey: await keyOf(['ingest']),
      readAdminKey: await keyOf(['read', 'admin']),
      revokedKey: revoked.key,
      primary: await idsOf(primary),
      sandbox: await idsOf(sandbox),
      session: null,
      outsideUrl: outside.url,
    };
    await created(url, 'PUT', '/v1/alerts/threshold', primary.key, { percent: 20 });

    // A dashboard user for the primary workspace, so cookie-and-CSRF writes are fuzzed too.
    const store = await openBooks(books);
    const password = 'correct horse battery staple';
    await createUser({
      ctx: contextAt(store, new Date()),
      input: { workspaceId: primary.id, email: 'fuzz-owner@example.com', password },
    });
    await store.close();
    const signIn = await call(url, 'POST', '/v1/session', { body: { email: 'fuzz-owner@example.com', password } });
    expect(signIn.status, signIn.text).toBe(200);
    world.session = {
      cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      csrf: field<string>(signIn.body, 'csrfToken'),
    };

    const spec = await call(url, 'GET', '/openapi.json');
    expect(spec.status).toBe(200);
    ops = operationsOf(spec.body as { paths: Record<string, Record<string, OpenApiOperation>> });
  });

  afterAll(async () => {
    await tally?.kill('SIGKILL');
    await books?.remove();
    await new Promise((resolve) => outside?.server.close(resolve));
  });

  it('answers every malformed request with a documented 4xx and changes nothing', async () => {
    const started = performance.now();
    const before = await primaryState(world);

    const invalid = invalidRequests(ops, world);
    const invalidAnswers = await sendAll(world.url, invalid);
    const afterInvalid = await primaryState(world);

    const edges = edgeRequests(ops, world);
    const edgeAnswers = await sendAll(world.url, edges);
    const afterEdges = await primaryState(world);
    const seconds = (performance.now() - started) / 1000;

    const answers = [...invalidAnswers, ...edgeAnswers];
    // Tally answers 413 to a body over its limit before reading it and closes the connection, as
    // RFC 9112 allows; a client still sending may see the connection reset instead of the 413.
    const oversizeDropped = answers.filter((a) => a.status === 0 && bodyBytes(a.request) > BODY_LIMIT_BYTES);
    const serverErrors = answers
      .filter((a) => a.status >= 500 || (a.status === 0 && !oversizeDropped.includes(a)))
      .map((answer) => ({ answer, problem: answer.status === 0 ? 'no answer' : 'server error' }));
    const batchItems = answers
      .filter((a) => a.request.op.name === 'POST /v1/responses/batch' && a.status === 200)
      .map((answer) => ({ answer, found: batchItemProblem(answer) }));
    for (const { answer, found } of batchItems) {
      if (found?.serverError) serverErrors.push({ answer, problem: found.problem });
    }
    const badShapes = answers
      .filter((a) => a.status >= 400 && a.status < 500)
      .map((answer) => ({ answer, problem: errorShapeProblem(answer) ?? '' }))
      .filter((o) => o.problem !== '')
      .concat(
        batchItems.flatMap(({ answer, found }) =>
          found && !found.serverError ? [{ answer, problem: found.problem }] : [],
        ),
      );
    const writesThatSucceeded = invalidAnswers
      .filter((a) => a.request.op.mutating && a.status >= 200 && a.status < 400 && sentAsWritten(a.request))
      .map((answer) => ({ answer, problem: 'a write with a sure break succeeded' }));
    const undeclared = answers
      .filter((a) => a.status !== 0 && !a.request.op.declared.includes(String(a.status)))
      .map((answer) => ({ answer, problem: 'a status the description does not declare' }));
    const routes = new Set(answers.map((a) => a.request.op.name));
    const statuses: Record<string, number> = {};
    for (const a of answers) statuses[`status${a.status}`] = (statuses[`status${a.status}`] ?? 0) + 1;

    recordFigure(`fuzz.${storeName}`, {
      requests: answers.length,
      routes: routes.size,
      invalidRequests: invalid.length,
      edgeRequests: edges.length,
      fiveHundreds: serverErrors.length,
      badErrorShapes: badShapes.length,
      undeclaredStatuses: undeclared.length,
      writesThatSucceeded: writesThatSucceeded.length,
      readsThatSucceeded: invalidAnswers.filter((a) => !a.request.op.mutating && a.status >= 200 && a.status < 300)
        .length,
      edgeSuccesses: edgeAnswers.filter((a) => a.status >= 200 && a.status < 300).length,
      oversizeDropped: oversizeDropped.length,
      seed: SEED,
      seconds: Math.round(seconds * 10) / 10,
      ...statuses,
    });

    // One report of every kind of offender at once, so a run shows everything there is to fix.
    const reports = [
      report('requests answered 5xx or not at all', serverErrors),
      report('4xx answers without the documented error body', badShapes),
      report('invalid writes that succeeded', writesThatSucceeded),
      report('answers with a status not declared in /openapi.json', undeclared),
      ...serverErrorsLogged(tally).map((line) => `Tally logged ${line}`),
    ];
    expect(
      {
        serverErrors: serverErrors.length,
        badShapes: badShapes.length,
        writesThatSucceeded: writesThatSucceeded.length,
        undeclared: undeclared.length,
      },
      reports.join('\n\n'),
    ).toEqual({ serverErrors: 0, badShapes: 0, writesThatSucceeded: 0, undeclared: 0 });
    expect(routes.size).toBe(ops.length);
    expect(afterInvalid).toEqual(before);
    expect(afterEdges).toEqual(before);
    expect(tally.child.exitCode).toBeNull();

    // The books themselves: nothing new in the primary's ledger, and every balance still its ledger's sum.
    await tally.kill('SIGTERM');
    const store = await openBooks(books);
    try {
      const primaryBooks = await readBooks(store, world.primary.workspace);
      expect(primaryBooks.lines).toBe((before.ledger as { lines: unknown[] }).lines.length);
      expect(primaryBooks.report.differences).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { call } from '../../support/http-call.ts';
import { ADMIN_KEY } from '../support/tally-process.ts';
import type { World } from './world.ts';

/** What the run needs around the requests: the primary workspace's state, setup calls, an outside service. */

/** Everything about the primary workspace a bad request could change, as Tally answers it. */
export async function primaryState(world: World): Promise<Record<string, unknown>> {
  const read = async (path: string, key = world.primaryKey) => {
    const reply = await call(world.url, 'GET', path, { key });
    expect(reply.status, `${path}: ${reply.text}`).toBe(200);
    return reply.body;
  };
  return {
    balance: await read('/v1/balance'),
    ledger: await read('/v1/ledger?limit=500'),
    agents: await read('/v1/agents'),
    threshold: await read('/v1/alerts/threshold'),
    subscription: await read('/v1/subscription'),
    summary: await read('/v1/usage/summary'),
    workspace: await read(`/v1/workspaces/${world.primary.workspace}`, ADMIN_KEY),
    webhook: await read(`/v1/webhooks/${world.primary.webhook}`, ADMIN_KEY),
  };
}

export async function created(
  base: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<unknown> {
  const reply = await call(base, method, path, { key, body });
  if (reply.status !== 200 && reply.status !== 201) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

export async function startOutside(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

import { expect } from 'vitest';
import { FakeTwilio } from '../fakes/twilio-server.ts';
import { call, field, type Reply } from './http-call.ts';

export function expectStatus(reply: Reply, status: number, label: string): void {
  expect(reply.status, `${label}: ${reply.text.slice(0, 300)}`).toBe(status);
}

/** What a workspace's full life leaves behind; every id it chose carries its mark. */
export interface WorkspaceLife {
  conversation: string;
  responses: string[];
  agent: string;
  holdKey: string;
  hold: string;
  purchaseKey: string;
  checkoutUrl: string;
  /** A dashboard link, never opened: its token is a secret like any other. */
  linkToken: string;
}

/**
 * Lives a workspace's full life through its own key, with every id it chooses carrying `mark`: a
 * conversation, an agent, two charged responses, a hold, Twilio by API key, a low-credit threshold,
 * a checkout it has not paid yet and a dashboard link. The plan must grant the credits, and the
 * server must know Twilio's account `twilio` and a Stripe to check out with.
 */
export async function liveFullLife(
  base: string,
  key: string,
  mark: string,
  twilio: { sid: string; apiKeySid: string; apiKeySecret: string },
): Promise<WorkspaceLife> {
  const send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(base, method, path, { key, body, ...(headers ? { headers } : {}) });
  const life: WorkspaceLife = {
    conversation: `${mark}-conv`,
    responses: [`${mark}-resp-1`, `${mark}-resp-2`],
    agent: `${mark}-agent`,
    holdKey: `${mark}-hold-key`,
    hold: '',
    purchaseKey: `${mark}-purchase-key`,
    checkoutUrl: '',
    linkToken: '',
  };
  const conversation = { id: life.conversation, channel: 'chat', agentId: life.agent };
  expectStatus(await send('POST', '/v1/conversations', conversation), 201, `${mark} conversation`);
  expectStatus(await send('POST', '/v1/agents', { id: life.agent, name: `Agent ${mark}` }), 201, `${mark} agent`);
  for (const id of life.responses) {
    const charged = await send('POST', '/v1/responses', { ...conversation, id, conversationId: life.conversation });
    expectStatus(charged, 201, `${mark} charge ${id}`);
  }
  const hold = await send(
    'POST',
    '/v1/reservations',
    { count: 1, ttlSeconds: 3600 },
    { 'idempotency-key': life.holdKey },
  );
  expectStatus(hold, 201, `${mark} hold`);
  life.hold = field<string>(hold.body, 'id');
  const connected = await send('PUT', '/v1/twilio', {
    accountSid: twilio.sid,
    apiKeySid: twilio.apiKeySid,
    apiKeySecret: twilio.apiKeySecret,
  });
  expectStatus(connected, 200, `${mark} Twilio`);
  expectStatus(await send('PUT', '/v1/alerts/threshold', { credits: 123 }), 200, `${mark} threshold`);
  const checkout = await send('POST', '/v1/purchases', { pack: 'pack-500' }, { 'idempotency-key': life.purchaseKey });
  expectStatus(checkout, 200, `${mark} checkout`);
  life.checkoutUrl = field<string>(checkout.body, 'checkoutUrl');
  const link = await send('POST', '/v1/dashboard-sessions', { role: 'admin' });
  expectStatus(link, 201, `${mark} dashboard link`);
  life.linkToken = field<string>(link.body, 'url').split('/').at(-1) ?? '';
  return life;
}

/** One fake Twilio with both workspaces' accounts: A's is reached by its auth token, B's (the full life) by an API key. */
export function startTwilioOfBoth(
  a: { sid: string; authToken: string },
  b: { sid: string; authToken: string; apiKeySid: string; apiKeySecret: string },
): Promise<FakeTwilio> {
  return FakeTwilio.start({
    accounts: [
      { sid: a.sid, authToken: a.authToken, balance: '12.34', currency: 'USD' },
      {
        sid: b.sid,
        authToken: b.authToken,
        apiKeys: { [b.apiKeySid]: b.apiKeySecret },
        balance: '56.78',
        currency: 'USD',
      },
    ],
  });
}

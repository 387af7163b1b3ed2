import type { Operation, Schema } from './description.ts';
import { DAY, MINUTE, NOW } from './settings.ts';

/** The workspaces, keys and ids the requests land in, and valid values for every field. */

export interface Ids {
  workspace: string;
  keyId: string;
  reservation: string;
  response: string;
  conversation: string;
  agent: string;
  webhook: string;
}

export interface World {
  url: string;
  primaryKey: string;
  sandboxKey: string;
  /** Keys of the primary workspace that must be refused on some routes. */
  ingestOnlyKey: string;
  readAdminKey: string;
  revokedKey: string;
  primary: Ids;
  sandbox: Ids;
  session: { cookie: string; csrf: string } | null;
  /** A local server that refuses everything: Tally's Twilio, and the webhooks' target. */
  outsideUrl: string;
}

let freshCount = 0;
export const fresh = (prefix = 'fz') => `${prefix}-${++freshCount}`;

/** A value the schema accepts, so that one broken thing is the only thing wrong. */
export function validValue(schema: Schema, name: string, world: World): unknown {
  if (schema.anyOf?.[0]) return validValue(schema.anyOf[0], name, world);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') {
        if (name === 'expiresAt') return new Date(NOW + 30 * DAY).toISOString();
        // A rate card takes effect now or later, one version per instant.
        if (name === 'effectiveAt') return new Date(NOW + DAY + ++freshCount * 1000).toISOString();
        return new Date(NOW - MINUTE).toISOString();
      }
      if (schema.pattern) return fresh();
      return (
        {
          plan: 'starter',
          pack: 'pack-500',
          email: `${fresh('nobody')}@example.com`,
          password: 'not the password',
          url: `${world.outsideUrl}/hook`,
          accountSid: `AC${'0'.repeat(32)}`,
          authToken: 'f'.repeat(32),
          features: 'voice:elevenlabs',
        }[name] ?? 'fuzz'
      );
    case 'number':
    case 'integer':
      return (
        { count: 1, ttlSeconds: 60, priority: 0, percent: 20, credits: 150, overageLimit: 0 }[name] ??
        Math.max(schema.minimum ?? 1, 1)
      );
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => validValue(schema.items ?? {}, name, world));
    case 'object': {
      const body: Record<string, unknown> = {};
      for (const required of schema.required ?? []) {
        const property = schema.properties?.[required];
        if (property) body[required] = validValue(property, required, world);
      }
      return body;
    }
    default:
      return null;
  }
}

/** Optional fields the route needs to get past its own checks (Twilio wants a token, alerts a level). */
export const BASE_EXTRAS: Record<string, Record<string, unknown>> = {
  'PUT /v1/twilio': { authToken: 'f'.repeat(32) },
  'PUT /v1/alerts/threshold': { percent: 20 },
};

export function realPathParam(op: Operation, param: string, ids: Ids): string {
  if (param === 'keyId') return ids.keyId;
  if (op.path.startsWith('/v1/workspaces/')) return ids.workspace;
  if (op.path.startsWith('/v1/reservations/')) return ids.reservation;
  if (op.path.startsWith('/v1/responses/')) return ids.response;
  if (op.path.startsWith('/v1/conversations/')) return ids.conversation;
  if (op.path.startsWith('/v1/agents/')) return ids.agent;
  if (op.path.startsWith('/v1/webhooks/')) return ids.webhook;
  throw new Error(`The fuzz test does not know what {${param}} in ${op.path} names: teach realPathParam.`);
}

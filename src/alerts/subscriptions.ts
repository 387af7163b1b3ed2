import { TallyError } from '../domain/errors.ts';
import type { Call, Context } from '../ledger/context.ts';
import { fingerprint } from '../ledger/fingerprint.ts';
import { randomId } from '../ledger/random-id.ts';
import { SecretBoxError } from '../secrets/secret-box.ts';
import type { WebhookSubscriptionsTable } from '../store/schema.ts';
import type { AlertsContext } from './context.ts';
import { type EventType, isEventType } from './events.ts';
import { newSigningSecret } from './signature.ts';
import { openSigningSecret, sealSigningSecret } from './signing-secrets.ts';

export interface NewSubscription {
  url: string;
  events: readonly string[];
  description?: string;
  /** Makes the create safe to retry: the same key returns the first subscription, secret included. */
  idempotencyKey?: string;
}

export interface Subscription {
  id: string;
  url: string;
  events: EventType[];
  description: string;
  createdAt: Date;
}

export interface DeliveryAttempt {
  attempt: number;
  at: Date;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  durationMs: number;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  workspaceId: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  log: DeliveryAttempt[];
}

export const MAX_URL_LENGTH = 2048;
export const MAX_DELIVERY_PAGE = 100;

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TallyError('invalid_request', 'url must be an absolute http:// or https:// URL.', { field: 'url' });
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || url.length > MAX_URL_LENGTH) {
    throw new TallyError(
      'invalid_request',
      `url must be an http:// or https:// URL of at most ${MAX_URL_LENGTH} characters.`,
      {
        field: 'url',
      },
    );
  }
}

function checkEvents(events: readonly string[]): EventType[] {
  const unique = [...new Set(events)];
  const unknown = unique.find((event) => !isEventType(event));
  if (unknown !== undefined) {
    throw new TallyError('invalid_request', `Unknown event type "${unknown}".`, { field: 'events' });
  }
  if (unique.length === 0)
    throw new TallyError('invalid_request', 'events must name at least one event type.', { field: 'events' });
  return unique.filter(isEventType).sort();
}

function fromRow(
  row: Pick<WebhookSubscriptionsTable, 'id' | 'url' | 'events' | 'description' | 'created_at'>,
): Subscription {
  return {
    id: row.id,
    url: row.url,
    events: row.events.split(' ').filter(isEventType),
    description: row.description,
    createdAt: new Date(Number(row.created_at)),
  };
}

function parseCursor(cursor: string | null): number | null {
  if (cursor === null) return null;
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new TallyError('invalid_request', 'cursor is not one this API gave out.', { field: 'cursor' });
  }
  return Number(cursor);
}

/**
 * Subscribes a URL to events. The signing secret is sealed with `ctx.secretKey` before it is stored;
 * the delivery worker needs the same key.
 */
export async function createWebhook({
  ctx,
  input,
}: Call<AlertsContext, NewSubscription>): Promise<{ subscription: Subscription; secret: string; replayed: boolean }> {
  const now = ctx.clock();
  const { store, secretKey } = ctx;
  checkUrl(input.url);
  const events = checkEvents(input.events);
  const description = input.description ?? '';
  const print = fingerprint({ url: input.url, events, description });
  const id = randomId('wh');
  const secret = newSigningSecret();
  const row = {
    id,
    url: input.url,
    events: events.join(' '),
    description,
    secret: sealSigningSecret(secretKey, id, secret),
    idempotency_key: input.idempotencyKey ?? null,
    fingerprint: print,
    created_at: now.getTime(),
    deleted_at: null,
  };
  const inserted = await store.db
    .insertInto('webhook_subscriptions')
    .values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { subscription: fromRow(row), secret, replayed: false };

  const first = await store.db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('idempotency_key', '=', input.idempotencyKey ?? '')
    .executeTakeFirstOrThrow();
  if (first.fingerprint !== print) {
    throw new TallyError('idempotency_conflict', 'This Idempotency-Key was used to create a different subscription.');
  }
  return { subscription: fromRow(first), secret: storedSecret(secretKey, first), replayed: true };
}

/** The secret of a subscription already stored, shown again to a retried create. */
function storedSecret(secretKey: Uint8Array, row: Pick<WebhookSubscriptionsTable, 'id' | 'secret'>): string {
  try {
    return openSigningSecret(secretKey, row.id, row.secret);
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new TallyError(
      'conflict',
      `Subscription ${row.id} was created under another TALLY_SECRET_KEY, so its secret cannot be shown again; delete it and create a new one.`,
      { id: row.id },
    );
  }
}

/** The operator's live webhook subscriptions, oldest first. */
export async function listWebhooks({ ctx }: { ctx: Context }): Promise<Subscription[]> {
  const rows = await ctx.store.db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(fromRow);
}

export async function getWebhook({ ctx, input }: { ctx: Context; input: { id: string } }): Promise<Subscription> {
  const { id } = input;
  const row = await ctx.store.db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new TallyError('not_found', `Webhook subscription ${id} does not exist.`);
  return fromRow(row);
}

/** Stops the subscription and cancels what was still waiting to be delivered to it. Deleting twice is fine. */
export async function deleteWebhook({ ctx, input }: { ctx: Context; input: { id: string } }): Promise<void> {
  const now = ctx.clock();
  const { id } = input;
  await ctx.store.transaction(async (_tx, trx) => {
    const row = await trx
      .selectFrom('webhook_subscriptions')
      .select('deleted_at')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new TallyError('not_found', `Webhook subscription ${id} does not exist.`);
    if (row.deleted_at !== null) return;
    await trx.updateTable('webhook_subscriptions').set({ deleted_at: now.getTime() }).where('id', '=', id).execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', lease_token: null })
      .where('subscription_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  });
}

/** The subscription's deliveries, newest event first, each with every attempt made. */
export async function listWebhookDeliveries({
  ctx,
  input,
}: Call<Context, { id: string; cursor: string | null; limit: number }>): Promise<{
  deliveries: Delivery[];
  nextCursor: string | null;
}> {
  const { id, cursor, limit } = input;
  await getWebhook({ ctx, input: { id } });
  const after = parseCursor(cursor);
  let query = ctx.store.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', (join) =>
      join.onRef('e.workspace_id', '=', 'd.workspace_id').onRef('e.id', '=', 'd.event_id'),
    )
    .select([
      'd.id',
      'd.event_id',
      'e.type',
      'd.workspace_id',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.delivered_at',
      'd.created_at',
      'd.event_seq',
    ])
    .where('d.subscription_id', '=', id);
  if (after !== null) query = query.where('d.event_seq', '<', after);
  const rows = await query
    .orderBy('d.event_seq', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const attempts =
    page.length === 0
      ? []
      : await ctx.store.db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            page.map((row) => row.id),
          )
          .orderBy('seq')
          .execute();
  const deliveries = page.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    eventType: row.type,
    workspaceId: row.workspace_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? new Date(Number(row.next_attempt_at)) : null,
    deliveredAt: row.delivered_at === null ? null : new Date(Number(row.delivered_at)),
    createdAt: new Date(Number(row.created_at)),
    log: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        at: new Date(Number(attempt.at)),
        statusCode: attempt.status_code,
        error: attempt.error,
        responseExcerpt: attempt.response_excerpt,
        durationMs: attempt.duration_ms,
      })),
  }));
  const last = page.at(-1);
  return {
    deliveries,
    nextCursor: rows.length > limit && last ? String(last.event_seq) : null,
  };
}

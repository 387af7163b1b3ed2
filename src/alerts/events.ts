import { TallyError } from '../domain/errors.ts';
import { randomId } from '../ledger/random-id.ts';
import type { OutboxTxContext } from './context.ts';
import { queueEmails } from './email-queue.ts';

export const EVENT_TYPES = [
  'credits.low',
  'credits.depleted',
  'credits.recovered',
  'subscription.renewed',
  'purchase.completed',
  'usage.level_reached',
  'limit.reached',
  'auto_top_up.succeeded',
  'auto_top_up.failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export interface NewEvent {
  workspaceId: string;
  type: EventType;
  data: Record<string, unknown>;
  key?: string;
}

export interface RecordedEvent {
  id: string;
  /** False when an event with the same `key` was already recorded for the workspace: nothing new was written. */
  recorded: boolean;
}

/**
 * Puts an event in the outbox: one event row, and one pending delivery per live subscription to
 * its type. Call it with the transaction that makes the change the event reports, so the event is
 * committed exactly when the change is, and never without it. `data` is sent as the event's `data`
 * as given (amounts in decimal credits, times as RFC 3339, like the API). `key`, when given, makes
 * the call idempotent per workspace: e.g. `renewal:<periodStart>` records one renewal event however
 * often the renewal code runs.
 */
export async function recordEvent({ ctx, input }: { ctx: OutboxTxContext; input: NewEvent }): Promise<RecordedEvent> {
  const { db, now } = ctx;
  const { workspaceId, type, data, key } = input;
  if (!isEventType(type)) throw new TallyError('invalid_request', `Unknown event type "${type}".`, { field: 'type' });
  const id = randomId('evt');
  const inserted = await db
    .insertInto('webhook_events')
    .values({
      id,
      workspace_id: workspaceId,
      type,
      data: JSON.stringify(data),
      dedupe_key: key ?? null,
      created_at: now.getTime(),
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'dedupe_key']).doNothing())
    .returning('seq')
    .executeTakeFirst();
  if (!inserted) {
    const existing = await db
      .selectFrom('webhook_events')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('dedupe_key', '=', key ?? '')
      .executeTakeFirstOrThrow();
    return { id: existing.id, recorded: false };
  }

  const subscriptions = await db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'events'])
    .where('deleted_at', 'is', null)
    .execute();
  const targets = subscriptions.filter((s) => s.events.split(' ').includes(type));
  if (targets.length > 0) {
    await db
      .insertInto('webhook_deliveries')
      .values(
        targets.map((subscription) => ({
          id: randomId('whd'),
          event_id: id,
          event_seq: inserted.seq,
          subscription_id: subscription.id,
          workspace_id: workspaceId,
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: now.getTime(),
          lease_token: null,
          last_attempt_at: null,
          last_status_code: null,
          last_error: null,
          delivered_at: null,
          created_at: now.getTime(),
        })),
      )
      .execute();
  }
  await queueEmails({ ctx, input: { workspaceId, event: { id, seq: inserted.seq, type } } });
  return { id, recorded: true };
}

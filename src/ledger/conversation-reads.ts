import { sql } from 'kysely';
import type { Millicredits } from '../domain/amounts.ts';
import type { Channel } from '../store/store.ts';
import type { Call, Context } from './context.ts';

export interface ConversationSummary {
  id: string;
  channel: Channel;
  agentId: string;
  startedAt: Date;
  responses: number;
  /** What its responses cost, refunded ones left out. */
  creditsUsed: Millicredits;
}

export interface ConversationResponse {
  id: string;
  occurredAt: Date;
  features: string[];
  cost: Millicredits;
  refunded: boolean;
}

/** Where a keyset page stopped: the last row's time in epoch milliseconds and its id. */
export interface PagePosition {
  at: number;
  id: string;
}

export interface ConversationQuery {
  workspaceId: string;
  start: Date;
  end: Date;
  agentId?: string | undefined;
  channel?: Channel | undefined;
  after: PagePosition | null;
  limit: number;
}

/** A page of rows and whether more follow it. */
export interface Page<T> {
  items: T[];
  more: boolean;
}

const charged = sql<number>`sum(case when status = 'charged' then cost else 0 end)`;

/**
 * The workspace's conversations first seen in [start, end), newest first, after `after`. Reads at
 * most `limit + 1` rows of one index on conversations (which index depends on the filter: migration
 * 013), and the responses of the conversations on the page through (workspace, conversation,
 * occurred_at): its cost grows with what it shows, never with the workspace's other responses.
 */
export function conversationsPage({
  ctx,
  input,
}: Call<Pick<Context, 'store'>, ConversationQuery>): Promise<Page<ConversationSummary>> {
  const { workspaceId, after, limit } = input;
  return ctx.store.replica.snapshot(async (db) => {
    let page = db
      .selectFrom('conversations')
      .select(['id', 'channel', 'agent_id', 'started_at'])
      .where('workspace_id', '=', workspaceId)
      .where('started_at', '>=', input.start.getTime())
      .where('started_at', '<', input.end.getTime());
    if (input.agentId !== undefined) page = page.where('agent_id', '=', input.agentId);
    if (input.channel !== undefined) page = page.where('channel', '=', input.channel);
    if (after) page = page.where(sql<boolean>`(started_at, id) < (${after.at}, ${after.id})`);
    const rows = await page
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const shown = rows.slice(0, limit);
    const totals = new Map<string, { responses: number; credits: number }>();
    if (shown.length > 0) {
      const counted = await db
        .selectFrom('responses')
        .select(['conversation_id', (eb) => eb.fn.countAll<number>().as('responses'), charged.as('credits')])
        .where('workspace_id', '=', workspaceId)
        .where(
          'conversation_id',
          'in',
          shown.map((row) => row.id),
        )
        .groupBy('conversation_id')
        .execute();
      for (const row of counted) {
        totals.set(row.conversation_id, { responses: Number(row.responses), credits: Number(row.credits ?? 0) });
      }
    }
    return {
      items: shown.map((row) => ({
        id: row.id,
        channel: row.channel as Channel,
        agentId: row.agent_id,
        startedAt: new Date(Number(row.started_at)),
        responses: totals.get(row.id)?.responses ?? 0,
        creditsUsed: totals.get(row.id)?.credits ?? 0,
      })),
      more: rows.length > limit,
    };
  });
}

/** One conversation and a page of its responses, oldest first, after `after`; null when the workspace has no such conversation. */
export function conversationWithResponses({
  ctx,
  input,
}: Call<
  Pick<Context, 'store'>,
  { workspaceId: string; conversationId: string; after: PagePosition | null; limit: number }
>): Promise<(ConversationSummary & Page<ConversationResponse>) | null> {
  const { workspaceId, conversationId, after, limit } = input;
  return ctx.store.replica.snapshot(async (db) => {
    const conversation = await db
      .selectFrom('conversations')
      .select(['id', 'channel', 'agent_id', 'started_at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', conversationId)
      .executeTakeFirst();
    if (!conversation) return null;
    const totals = await db
      .selectFrom('responses')
      .select([(eb) => eb.fn.countAll<number>().as('responses'), charged.as('credits')])
      .where('workspace_id', '=', workspaceId)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    let responses = db
      .selectFrom('responses')
      .select(['id', 'occurred_at', 'features', 'cost', 'status'])
      .where('workspace_id', '=', workspaceId)
      .where('conversation_id', '=', conversationId);
    if (after) responses = responses.where(sql<boolean>`(occurred_at, id) > (${after.at}, ${after.id})`);
    const rows = await responses
      .orderBy('occurred_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    return {
      id: conversation.id,
      channel: conversation.channel as Channel,
      agentId: conversation.agent_id,
      startedAt: new Date(Number(conversation.started_at)),
      responses: Number(totals?.responses ?? 0),
      creditsUsed: Number(totals?.credits ?? 0),
      items: rows.slice(0, limit).map((row) => ({
        id: row.id,
        occurredAt: new Date(Number(row.occurred_at)),
        features: JSON.parse(row.features) as string[],
        cost: Number(row.cost),
        refunded: row.status === 'refunded',
      })),
      more: rows.length > limit,
    };
  });
}

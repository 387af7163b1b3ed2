import { sql } from 'kysely';
import type { Millicredits } from '../domain/amounts.ts';
import { addDays, dayIn } from '../domain/days.ts';
import { TallyError } from '../domain/errors.ts';
import type { Channel, Store } from '../store/store.ts';
import { CursorCodec, type Position } from './cursor.ts';
import { dayBounds } from './day-bounds.ts';
import { timeZoneOf } from './settings.ts';
import { type DayRange, resolveRange } from './usage.ts';

export const DEFAULT_CONVERSATION_DAYS = 30;
export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_CONVERSATION_RESPONSES = 1000;

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

export interface ConversationFilter {
  from?: string | undefined;
  to?: string | undefined;
  agentId?: string | undefined;
  channel?: Channel | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * The conversations view, newest first, in keyset pages. A page reads at most `limit + 1` rows of
 * one index on conversations (which index depends on the filter: migration 013), and the responses
 * of the conversations on it through (workspace, conversation, occurred_at): its cost grows with the
 * conversations and responses it shows, never with the workspace's other responses.
 */
export function createConversationReads(store: Store, clock: () => Date, secretKey: Uint8Array) {
  const cursors = new CursorCodec(secretKey);

  return {
    async list(
      workspaceId: string,
      filter: ConversationFilter,
    ): Promise<DayRange & { items: ConversationSummary[]; nextCursor: string | null }> {
      const zone = await timeZoneOf(store, workspaceId);
      const today = dayIn(clock(), zone);
      const range = resolveRange(
        filter.from,
        filter.to,
        { from: addDays(today, -(DEFAULT_CONVERSATION_DAYS - 1)), to: today },
        zone,
      );
      const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
      const query = JSON.stringify([
        'conversations',
        workspaceId,
        range,
        filter.agentId ?? null,
        filter.channel ?? null,
      ]);
      const after = filter.cursor === undefined ? null : cursors.decode(filter.cursor, query);
      const { start, end } = dayBounds(range, zone);

      return store.replica.snapshot(async (db) => {
        let page = db
          .selectFrom('conversations')
          .select(['id', 'channel', 'agent_id', 'started_at'])
          .where('workspace_id', '=', workspaceId)
          .where('started_at', '>=', start.getTime())
          .where('started_at', '<', end.getTime());
        if (filter.agentId !== undefined) page = page.where('agent_id', '=', filter.agentId);
        if (filter.channel !== undefined) page = page.where('channel', '=', filter.channel);
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
            .select([
              'conversation_id',
              (eb) => eb.fn.countAll<number>().as('responses'),
              sql<number>`sum(case when status = 'charged' then cost else 0 end)`.as('credits'),
            ])
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
        const last = shown.at(-1);
        return {
          ...range,
          items: shown.map((row) => ({
            id: row.id,
            channel: row.channel as Channel,
            agentId: row.agent_id,
            startedAt: new Date(Number(row.started_at)),
            responses: totals.get(row.id)?.responses ?? 0,
            creditsUsed: totals.get(row.id)?.credits ?? 0,
          })),
          nextCursor:
            rows.length > limit && last ? cursors.encode({ at: Number(last.started_at), id: last.id }, query) : null,
        };
      });
    },

    /** One conversation with its responses, oldest first; another workspace's is not found. */
    async get(
      workspaceId: string,
      conversationId: string,
      page: { cursor?: string | undefined; limit?: number | undefined } = {},
    ): Promise<ConversationSummary & { items: ConversationResponse[]; nextCursor: string | null }> {
      const limit = page.limit ?? DEFAULT_CONVERSATION_RESPONSES;
      const query = JSON.stringify(['conversation', workspaceId, conversationId]);
      const after: Position | null = page.cursor === undefined ? null : cursors.decode(page.cursor, query);
      return store.replica.snapshot(async (db) => {
        const conversation = await db
          .selectFrom('conversations')
          .select(['id', 'channel', 'agent_id', 'started_at'])
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', conversationId)
          .executeTakeFirst();
        if (!conversation) throw new TallyError('not_found', `Conversation ${conversationId} does not exist.`);
        const totals = await db
          .selectFrom('responses')
          .select([
            (eb) => eb.fn.countAll<number>().as('responses'),
            sql<number>`sum(case when status = 'charged' then cost else 0 end)`.as('credits'),
          ])
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
        const shown = rows.slice(0, limit);
        const last = shown.at(-1);
        return {
          id: conversation.id,
          channel: conversation.channel as Channel,
          agentId: conversation.agent_id,
          startedAt: new Date(Number(conversation.started_at)),
          responses: Number(totals?.responses ?? 0),
          creditsUsed: Number(totals?.credits ?? 0),
          items: shown.map((row) => ({
            id: row.id,
            occurredAt: new Date(Number(row.occurred_at)),
            features: JSON.parse(row.features) as string[],
            cost: Number(row.cost),
            refunded: row.status === 'refunded',
          })),
          nextCursor:
            rows.length > limit && last ? cursors.encode({ at: Number(last.occurred_at), id: last.id }, query) : null,
        };
      });
    },
  };
}

export type ConversationReads = ReturnType<typeof createConversationReads>;

import { sql } from 'kysely';
import type { Context } from './context.ts';
import type { Difference } from './verify-ledger.ts';

type Compared = {
  workspace_id: string;
  slot: number;
  channel: string;
  agent_id: string;
  subject: string;
  actual: number | string | null;
  expected: number | string | null;
};

/**
 * Recomputes the quarter-hour rollups (src/domain/usage-slots.ts) from the responses and
 * conversations: credits and responses per feature set, and calls and chats per (quarter hour,
 * channel, agent) — which feature set a conversation counts under depends on which of its
 * responses was charged first, which the rows alone cannot always tell.
 */
export async function verifyUsageSlots({ ctx }: { ctx: Pick<Context, 'store'> }): Promise<Difference[]> {
  const { store } = ctx;
  const credits = await sql<Compared>`
    with expected as (
      select workspace_id, occurred_at / 900000 as slot, channel, agent_id, features,
             sum(case when status = 'charged' then cost else 0 end) as credits, count(*) as responses
      from responses group by 1, 2, 3, 4, 5
    ), compared as (
      select coalesce(u.workspace_id, e.workspace_id) as workspace_id, coalesce(u.slot, e.slot) as slot,
             coalesce(u.channel, e.channel) as channel, coalesce(u.agent_id, e.agent_id) as agent_id,
             coalesce(u.features, e.features) as features,
             coalesce(u.credits_used, 0) as actual_credits, coalesce(e.credits, 0) as expected_credits,
             coalesce(u.responses, 0) as actual_responses, coalesce(e.responses, 0) as expected_responses
      from usage_slots u full outer join expected e
        on e.workspace_id = u.workspace_id and e.slot = u.slot and e.channel = u.channel
       and e.agent_id = u.agent_id and e.features = u.features
    )
    select workspace_id, slot, channel, agent_id, features || ' credits' as subject,
           actual_credits as actual, expected_credits as expected
    from compared where actual_credits <> expected_credits
    union all
    select workspace_id, slot, channel, agent_id, features || ' responses', actual_responses, expected_responses
    from compared where actual_responses <> expected_responses`.execute(store.db);

  const conversations = await sql<Compared>`
    with actual as (
      select workspace_id, slot, channel, agent_id, sum(conversations) as conversations
      from usage_slots group by 1, 2, 3, 4
    ), expected as (
      select workspace_id, started_at / 900000 as slot, channel, agent_id, count(*) as conversations
      from conversations group by 1, 2, 3, 4
    )
    select coalesce(a.workspace_id, e.workspace_id) as workspace_id, coalesce(a.slot, e.slot) as slot,
           coalesce(a.channel, e.channel) as channel, coalesce(a.agent_id, e.agent_id) as agent_id,
           'conversations' as subject,
           coalesce(a.conversations, 0) as actual, coalesce(e.conversations, 0) as expected
    from actual a full outer join expected e
      on e.workspace_id = a.workspace_id and e.slot = a.slot and e.channel = a.channel and e.agent_id = a.agent_id
    where coalesce(a.conversations, 0) <> coalesce(e.conversations, 0)`.execute(store.db);

  return [...credits.rows, ...conversations.rows].map((row) => ({
    check: 'usage_slot',
    workspaceId: row.workspace_id,
    subject: `${new Date(Number(row.slot) * 900_000).toISOString()} ${row.channel} ${row.agent_id} ${row.subject}`,
    expected: Number(row.expected ?? 0),
    actual: Number(row.actual ?? 0),
  }));
}

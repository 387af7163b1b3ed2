import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Days in the workspace's time zone: usage rolled up by UTC quarter hour (see
 * src/domain/usage-slots.ts) and by feature set, filled from the responses and conversations
 * already recorded, and the workspace's settings (its zone).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('usage_slots')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    // The response's sorted feature set as JSON, as in responses.features.
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('credits_used', 'bigint', (c) => c.notNull())
    .addColumn('responses', 'bigint', (c) => c.notNull())
    .addColumn('conversations', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_slots_pk', ['workspace_id', 'slot', 'channel', 'agent_id', 'features'])
    .execute();

  // A conversation is counted under the features of the response that first saw it; one recorded on its own, under none.
  await sql`
    insert into usage_slots (workspace_id, slot, channel, agent_id, features, credits_used, responses, conversations)
    select workspace_id, slot, channel, agent_id, features, sum(credits), sum(responses), sum(conversations)
    from (
      select workspace_id, occurred_at / 900000 as slot, channel, agent_id, features,
             sum(case when status = 'charged' then cost else 0 end) as credits, count(*) as responses, 0 as conversations
      from responses group by 1, 2, 3, 4, 5
      union all
      select c.workspace_id, c.started_at / 900000 as slot, c.channel, c.agent_id,
             coalesce((select r.features from responses r
                       where r.workspace_id = c.workspace_id and r.conversation_id = c.id
                       order by r.created_at, r.id limit 1), '[]') as features,
             0, 0, count(*)
      from conversations c group by 1, 2, 3, 4, 5
    ) parts
    group by workspace_id, slot, channel, agent_id, features`.execute(db);

  await db.schema
    .createTable('workspace_settings')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

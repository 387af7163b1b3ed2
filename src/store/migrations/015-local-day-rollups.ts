import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Usage by local day in the workspace's zone, so a dashboard read sums one row per day and key
 * instead of up to 100 quarter hours. Filled from `usage_slots` by UTC day: the zone setting ships
 * in the same release as this migration, so every existing workspace still counts its days in UTC.
 * A later change of zone rebuilds the workspace's rows from its slots (src/reports/settings.ts).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('usage_days')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('credits_used', 'bigint', (c) => c.notNull())
    .addColumn('responses', 'bigint', (c) => c.notNull())
    .addColumn('conversations', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_days_pk', ['workspace_id', 'day', 'channel', 'agent_id', 'features'])
    .execute();

  const utcDay =
    dialect === 'postgres'
      ? sql`to_char(to_timestamp(slot * 900) at time zone 'UTC', 'YYYY-MM-DD')`
      : sql`strftime('%Y-%m-%d', slot * 900, 'unixepoch')`;
  await sql`
    insert into usage_days (workspace_id, day, channel, agent_id, features, credits_used, responses, conversations)
    select workspace_id, ${utcDay}, channel, agent_id, features, sum(credits_used), sum(responses), sum(conversations)
    from usage_slots
    group by 1, 2, 3, 4, 5`.execute(db);
}

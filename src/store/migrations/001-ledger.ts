import { type Kysely, sql } from 'kysely';
import { LAUNCH_RATE_CARD } from '../../domain/launch-rate-card.ts';
import type { Dialect } from '../store.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('overage_limit', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('overage_debt', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('period_anchor', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('remaining', 'bigint', (c) => c.notNull().check(sql`remaining >= 0 and remaining <= amount`))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('effective_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('grants_pk', ['workspace_id', 'id'])
    .execute();
  // The hot path reads only grants that still hold something.
  await sql`create index grants_open on grants (workspace_id) where remaining > 0`.execute(db);

  const ledger = db.schema.createTable('ledger_lines');
  await (dialect === 'postgres'
    ? ledger.addColumn('seq', 'bigserial', (c) => c.primaryKey())
    : ledger.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('response_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('balance_after', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_lines_workspace').on('ledger_lines').columns(['workspace_id', 'seq']).execute();

  await db.schema
    .createTable('responses')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('cost', 'bigint', (c) => c.notNull())
    .addColumn('rate_card_version', 'integer', (c) => c.notNull())
    .addColumn('reservation_id', 'text')
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('available_after', 'bigint', (c) => c.notNull())
    .addColumn('draws', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('responses_pk', ['workspace_id', 'id'])
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversations_pk', ['workspace_id', 'id'])
    .execute();

  await db.schema
    .createTable('holds')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('holds_pk', ['workspace_id', 'id'])
    .execute();
  await sql`create index holds_open on holds (workspace_id, expires_at) where status = 'held'`.execute(db);
  await sql`create unique index holds_idempotency on holds (workspace_id, idempotency_key)`.execute(db);

  await db.schema
    .createTable('daily_rollups')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('credits_used', 'bigint', (c) => c.notNull())
    .addColumn('responses', 'bigint', (c) => c.notNull())
    .addColumn('conversations', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_rollups_pk', ['workspace_id', 'day', 'channel', 'agent_id'])
    .execute();

  await db.schema
    .createTable('rate_cards')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('effective_at', 'bigint', (c) => c.notNull().unique())
    .addColumn('base_cost', 'bigint', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into rate_cards (version, effective_at, base_cost, features, created_at)
            values (1, 0, ${LAUNCH_RATE_CARD.baseCost}, ${JSON.stringify(LAUNCH_RATE_CARD.features)}, 0)`.execute(db);

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('idempotency_records')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_records_pk', ['workspace_id', 'key'])
    .execute();
}

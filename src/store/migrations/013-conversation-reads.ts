import type { Kysely } from 'kysely';

/**
 * Issue 15's reads. Indexes for the conversations view (`GET /v1/conversations` and `/v1/conversations/{id}`): a page
 * of conversations is a range scan of one index in (started_at, id) order, whatever the filter, and a
 * conversation's responses are a range scan of the last one. Each read's cost grows with what it
 * shows, not with the workspace's responses.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const conversationIndexes: Record<string, string[]> = {
    conversations_by_start: ['workspace_id', 'started_at', 'id'],
    conversations_by_channel: ['workspace_id', 'channel', 'started_at', 'id'],
    conversations_by_agent: ['workspace_id', 'agent_id', 'started_at', 'id'],
    conversations_by_agent_channel: ['workspace_id', 'agent_id', 'channel', 'started_at', 'id'],
  };
  for (const [name, columns] of Object.entries(conversationIndexes)) {
    await db.schema.createIndex(name).on('conversations').columns(columns).execute();
  }
  await db.schema
    .createIndex('responses_by_conversation')
    .on('responses')
    .columns(['workspace_id', 'conversation_id', 'occurred_at', 'id'])
    .execute();

  // What Stripe took for each paid invoice or Checkout Session, for the billing history: written by
  // the webhook in the transaction that claims the event, so a redelivery writes nothing.
  await db.schema
    .createTable('stripe_payments')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('document_url', 'text')
    .addPrimaryKeyConstraint('stripe_payments_pk', ['workspace_id', 'id'])
    .execute();
}

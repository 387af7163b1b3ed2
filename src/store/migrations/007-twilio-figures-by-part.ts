import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * The Twilio figures become two parts, the balance and the usage, each with its own time, so one
 * failing list no longer hides the other. The table is a cache that may be lost (the next card
 * asks Twilio), so it is rebuilt rather than converted.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropTable('twilio_figures').execute();
  await db.schema
    .createTable('twilio_figures')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('balance', 'text')
    .addColumn('currency', 'text')
    .addColumn('balance_fetched_at', 'bigint')
    // JSON of the usage part (decimal strings as Twilio sent them), or null when never read.
    .addColumn('usage', 'text')
    .addColumn('usage_fetched_at', 'bigint')
    .execute();
}

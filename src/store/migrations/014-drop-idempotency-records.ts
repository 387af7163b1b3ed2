import type { Kysely } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * `idempotency_records` was created with the ledger and never written or read: each mutation is
 * idempotent by its own table's unique key (responses, grants, holds, ...), so the table goes.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropTable('idempotency_records').ifExists().execute();
}

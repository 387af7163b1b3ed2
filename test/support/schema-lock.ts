import pg from 'pg';

/**
 * Kysely's migrator scans every schema's catalog when a store opens; a schema dropped by another
 * test file at that moment makes the scan fail. Opens share an advisory lock that drops take
 * exclusively, so the two never overlap (the lock is held on its own connection). Free of Vitest,
 * so child processes of a test (race workers) take the same lock.
 */
const SCHEMA_LOCK = 7_261_125;

export async function withSchemaLock<T>(url: string, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(mode === 'shared' ? 'select pg_advisory_lock_shared($1)' : 'select pg_advisory_lock($1)', [
      SCHEMA_LOCK,
    ]);
    return await fn();
  } finally {
    await client.end();
  }
}

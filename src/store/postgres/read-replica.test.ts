import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/stores.ts';
import { openReadReplica } from './read-replica.ts';

describe('opening the read replica (TALLY_DATABASE_READ_URL)', () => {
  it('stops at start, naming the setting, when the read URL does not answer', async () => {
    await expect(openReadReplica('postgres://tally:secret@127.0.0.1:9/tally', {})).rejects.toThrow(
      /^TALLY_DATABASE_READ_URL does not answer: /,
    );
  });

  it('reads through a snapshot that takes no write (READ ONLY)', async () => {
    const replica = await openReadReplica(TEST_DATABASE_URL, {});
    try {
      const readOnly = await replica.snapshot(
        async (db) =>
          (await sql<{ ro: string }>`select current_setting('transaction_read_only') as ro`.execute(db)).rows[0]?.ro,
      );
      expect(readOnly).toBe('on');
    } finally {
      await replica.db.destroy();
    }
  });
});

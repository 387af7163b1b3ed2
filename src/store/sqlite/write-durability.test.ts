import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ImmediateSqliteDialect } from './dialect.ts';
import { WriteDurability } from './write-durability.ts';

interface Notes {
  notes: { id: string };
}

describe('SQLite writes outside the ledger', () => {
  let dir = '';
  let db: Kysely<Notes> | null = null;

  afterEach(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store's dialect on a real WAL file, with syncs that wait until the test releases them. */
  function heldSyncs() {
    dir = mkdtempSync(join(tmpdir(), 'tally-durability-'));
    const database = new SQLite(join(dir, 'notes.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.exec('create table notes (id text primary key)');
    const durability = new WriteDurability();
    const held: (() => void)[] = [];
    durability.attach(() => new Promise<void>((release) => held.push(release)));
    db = new Kysely<Notes>({ dialect: new ImmediateSqliteDialect(database, durability) });
    return { db, durability, held };
  }

  const settled = (promise: Promise<unknown>) => {
    const state = { done: false };
    promise.then(
      () => {
        state.done = true;
      },
      () => {
        state.done = true;
      },
    );
    return state;
  };

  it('answers a write only after the WAL sync, while reads go on meanwhile', async () => {
    const { db, held } = heldSyncs();
    const insert = db.insertInto('notes').values({ id: 'api-key-created' }).execute();
    const answered = settled(insert);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered.done).toBe(false);
    expect(held).toHaveLength(1);

    // The connection is free while the write waits: a read answers at once and waits for no sync.
    expect(await db.selectFrom('notes').select('id').execute()).toEqual([{ id: 'api-key-created' }]);
    expect(held).toHaveLength(1);

    held[0]?.();
    await insert;
    expect(answered.done).toBe(true);
  });

  it('leaves the wait to a holder that answers its own callers, and makes a read-only transaction wait for nothing', async () => {
    const { db, durability, held } = heldSyncs();
    await db.transaction().execute(async (trx) => {
      durability.leaveToCaller();
      await trx.insertInto('notes').values({ id: 'group-member' }).execute();
    });
    await db.transaction().execute((trx) => sql`select count(*) from notes`.execute(trx));
    expect(held).toHaveLength(0);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestClock } from '../../../test/support/clock.ts';
import { TallyError } from '../../domain/errors.ts';
import { getBalance } from '../../ledger/balance.ts';
import { chargeResponse } from '../../ledger/charge-response.ts';
import { grantCredits } from '../../ledger/grant-credits.ts';
import { verifyLedger } from '../../ledger/verify-ledger.ts';
import { createWorkspace } from '../../ledger/workspaces.ts';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { GroupCommit } from './group-commit.ts';
import { openSqlite } from './open.ts';
import { SyncPipeline } from './sync-pipeline.ts';

describe('SQLite group commit', () => {
  let dir = '';
  let store: Store | null = null;

  async function open(): Promise<{ store: Store; file: string }> {
    dir = mkdtempSync(join(tmpdir(), 'tally-group-'));
    const file = join(dir, 'tally.db');
    store = await openSqlite(file);
    return { store, file };
  }

  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = (workspaceId: string, id: string) =>
    ({ workspaceId, id, conversationId: 'conv-1', channel: 'chat', agentId: 'agent-1' }) as const;

  it('charges concurrent responses exactly up to the credits, with a retry in the same burst charged once', async () => {
    const { store } = await open();
    const clock = new TestClock();
    const ws = await createWorkspace(store, { name: 'Acme', plan: 'free', overageLimit: 0 }, clock.now());
    await grantCredits(
      store,
      { workspaceId: ws.id, id: 'g1', amount: 10_000, source: 'promotion', reason: 'welcome' },
      clock.now(),
    );

    const ids = [...Array.from({ length: 30 }, (_, i) => `r${i}`), 'r0', 'r1'];
    const outcomes = await Promise.allSettled(ids.map((id) => chargeResponse(store, chat(ws.id, id), clock.now())));

    const charged = outcomes.filter((o) => o.status === 'fulfilled' && !o.value.replayed);
    const replayed = outcomes.filter((o) => o.status === 'fulfilled' && o.value.replayed);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(charged).toHaveLength(10);
    expect(replayed).toHaveLength(2);
    expect(refused).toHaveLength(20);
    for (const reason of refused) expect((reason as TallyError).code).toBe('insufficient_credits');
    expect((await getBalance(store, ws.id, clock.now())).available).toBe(0);
    expect((await verifyLedger(store)).differences).toEqual([]);
  });

  it('rolls back only the caller whose work failed, and answers each caller after the commit', async () => {
    const { store, file } = await open();
    const clock = new TestClock();
    const ws = await createWorkspace(store, { name: 'Acme', plan: 'free', overageLimit: 0 }, clock.now());
    const conversation = (id: string) => ({
      workspaceId: ws.id,
      id,
      channel: 'chat' as const,
      agentId: 'agent-1',
      startedAt: clock.now(),
    });

    const outcomes = await Promise.allSettled(
      ['c1', 'c2', 'c3', 'c4'].map((id) =>
        store.transaction(async (tx) => {
          await tx.insertConversation(conversation(id), clock.now());
          if (id === 'c3') throw new TallyError('conflict', 'c3 changed its mind after writing');
          return id;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[2]?.status === 'rejected' && (outcomes[2].reason as TallyError).code).toBe('conflict');

    // Another connection, as another process would: what was acknowledged is on disk, c3 is not.
    const other = new SQLite(file, { readonly: true });
    try {
      const rows = other.prepare('select id from conversations where workspace_id = ? order by id').all(ws.id);
      expect(rows).toEqual([{ id: 'c1' }, { id: 'c2' }, { id: 'c4' }]);
    } finally {
      other.close();
    }
  });
});

describe('SQLite group commit answering after the WAL sync', () => {
  let dir = '';
  const closing: (() => unknown)[] = [];

  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A group commit on a real WAL file whose syncs wait until the test releases or fails them. */
  function heldSyncs() {
    dir = mkdtempSync(join(tmpdir(), 'tally-wal-sync-'));
    const file = join(dir, 'notes.db');
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.exec('create table notes (id text primary key)');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    const reader = new SQLite(file, { readonly: true });
    closing.push(
      () => db.destroy(),
      () => reader.close(),
    );

    const syncs: { release: () => void; fail: (error: Error) => void }[] = [];
    const pipeline = new SyncPipeline(
      () => new Promise<void>((release, fail) => syncs.push({ release: () => release(), fail })),
    );
    const group = new GroupCommit(db, { synced: () => pipeline.synced(), leaveToCaller: () => {} });
    const write = (id: string) => {
      const answer = { settled: false, promise: Promise.resolve(id) };
      answer.promise = group.run(async (trx) => {
        await sql`insert into notes (id) values (${id})`.execute(trx);
        return id;
      });
      answer.promise.then(
        () => {
          answer.settled = true;
        },
        () => {
          answer.settled = true;
        },
      );
      return answer;
    };
    const visible = () =>
      (reader.prepare('select id from notes order by id').all() as { id: string }[]).map((row) => row.id);
    return { syncs, write, visible };
  }

  it('answers a caller only once the sync after its COMMIT has finished, while timers keep firing', async () => {
    const { syncs, write, visible } = heldSyncs();
    const a = write('a');
    await vi.waitFor(() => expect(syncs).toHaveLength(1));

    // Committed and visible to another connection, but not yet on disk: the caller still waits,
    // and the event loop is free meanwhile.
    expect(visible()).toEqual(['a']);
    const timerFired = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20));
    expect(timerFired).toBe(true);
    expect(a.settled).toBe(false);

    syncs[0]?.release();
    await expect(a.promise).resolves.toBe('a');
  });

  it('runs the next transaction while a sync is held, and answers it only after a sync of its own', async () => {
    const { syncs, write, visible } = heldSyncs();
    const a = write('a');
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    const b = write('b');
    await vi.waitFor(() => expect(visible()).toEqual(['a', 'b']));

    // The sync in flight may have begun before b's frames were written: b waits for the next one.
    syncs[0]?.release();
    await expect(a.promise).resolves.toBe('a');
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    expect(b.settled).toBe(false);
    syncs[1]?.release();
    await expect(b.promise).resolves.toBe('b');
  });

  it('rejects every caller a failed sync covered and every one after it, and refuses to write again', async () => {
    const { syncs, write, visible } = heldSyncs();
    const [a, b] = [write('a'), write('b')];
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    const c = write('c');
    await vi.waitFor(() => expect(visible()).toEqual(['a', 'b', 'c']));

    const diskError = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    syncs[0]?.fail(diskError);
    for (const caller of [a, b, c]) {
      await expect(caller.promise).rejects.toThrow(/syncing its WAL failed/);
      await expect(caller.promise).rejects.toHaveProperty('cause', diskError);
    }

    // What the database shows may not be what the disk holds: nothing more is written or answered.
    await expect(write('d').promise).rejects.toThrow(/Restart Tally/);
    expect(visible()).toEqual(['a', 'b', 'c']);
    expect(syncs).toHaveLength(1);
  });
});

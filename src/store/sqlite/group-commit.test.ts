import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.ts';
import { contextAt } from '../../../test/support/context.ts';
import { TallyError } from '../../domain/errors.ts';
import { getBalance } from '../../ledger/balance.ts';
import { chargeResponse } from '../../ledger/charge-response.ts';
import { grantCredits } from '../../ledger/grant-credits.ts';
import { verifyLedger } from '../../ledger/verify-ledger.ts';
import { createWorkspace } from '../../ledger/workspaces.ts';
import type { Store } from '../store.ts';
import { openSqlite } from './open.ts';

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
    const ws = await createWorkspace({
      ctx: contextAt(store, clock.now()),
      input: { name: 'Acme', plan: 'free', overageLimit: 0 },
    });
    await grantCredits({
      ctx: contextAt(store, clock.now()),
      input: { workspaceId: ws.id, id: 'g1', amount: 10_000, source: 'promotion', reason: 'welcome' },
    });

    const ids = [...Array.from({ length: 30 }, (_, i) => `r${i}`), 'r0', 'r1'];
    const outcomes = await Promise.allSettled(
      ids.map((id) => chargeResponse({ ctx: contextAt(store, clock.now()), input: chat(ws.id, id) })),
    );

    const charged = outcomes.filter((o) => o.status === 'fulfilled' && !o.value.replayed);
    const replayed = outcomes.filter((o) => o.status === 'fulfilled' && o.value.replayed);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(charged).toHaveLength(10);
    expect(replayed).toHaveLength(2);
    expect(refused).toHaveLength(20);
    for (const reason of refused) expect((reason as TallyError).code).toBe('insufficient_credits');
    expect((await getBalance({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws.id } })).available).toBe(0);
    expect((await verifyLedger({ ctx: { store } })).differences).toEqual([]);
  });

  it('rolls back only the caller whose work failed, and answers each caller after the commit', async () => {
    const { store, file } = await open();
    const clock = new TestClock();
    const ws = await createWorkspace({
      ctx: contextAt(store, clock.now()),
      input: { name: 'Acme', plan: 'free', overageLimit: 0 },
    });
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

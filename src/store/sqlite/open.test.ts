import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.ts';
import { contextAt } from '../../../test/support/context.ts';
import { getBalance } from '../../ledger/balance.ts';
import { chargeResponse } from '../../ledger/charge-response.ts';
import { grantCredits } from '../../ledger/grant-credits.ts';
import { createWorkspace } from '../../ledger/workspaces.ts';
import { openSqlite } from './open.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('keeps the books readable by Tally’s user alone: data folder 0700, database and WAL 0600', async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-open-'));
  const file = join(dir, 'data', 'tally.db');
  const store = await openSqlite(file);
  try {
    await store.db.selectFrom('workspaces').select('id').execute();
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(join(dir, 'data'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
  } finally {
    await store.close();
  }
});

it('still holds every acknowledged charge after the file is closed and opened again', async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-open-'));
  const file = join(dir, 'tally.db');
  const clock = new TestClock();
  const first = await openSqlite(file);
  let workspaceId = '';
  try {
    workspaceId = (
      await createWorkspace({
        ctx: contextAt(first, clock.now()),
        input: { name: 'Acme', plan: 'free', overageLimit: 0 },
      })
    ).id;
    await grantCredits({
      ctx: contextAt(first, clock.now()),
      input: { workspaceId, id: 'g1', amount: 10_000, source: 'promotion', reason: 'welcome' },
    });
    const chat = (id: string) =>
      ({ workspaceId, id, conversationId: 'conv-1', channel: 'chat', agentId: 'a' }) as const;
    await Promise.all(
      ['r1', 'r2', 'r3'].map((id) => chargeResponse({ ctx: contextAt(first, clock.now()), input: chat(id) })),
    );
  } finally {
    await first.close();
  }

  const again = await openSqlite(file);
  try {
    expect((await getBalance({ ctx: contextAt(again, clock.now()), input: { workspaceId } })).available).toBe(7000);
  } finally {
    await again.close();
  }
});

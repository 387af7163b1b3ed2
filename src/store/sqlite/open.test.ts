import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
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

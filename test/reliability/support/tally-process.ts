import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { call, field } from '../../support/http-call.ts';
import { TEST_DATABASE_URL } from '../../support/stores.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ADMIN_KEY = `op_${randomBytes(24).toString('hex')}`;

/** Where a Tally child keeps its books: a data directory, plus a PostgreSQL database when set. */
export interface Books {
  dataDir: string;
  databaseUrl: string | null;
  remove(): Promise<void>;
}

export function sqliteBooks(): Books {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-rel-'));
  return { dataDir, databaseUrl: null, remove: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** A fresh database of its own on the run's server (or `server`), so nothing another test does can touch it. */
export async function postgresBooks(server = TEST_DATABASE_URL): Promise<Books> {
  const name = `tally_rel_${randomBytes(6).toString('hex')}`;
  await adminQuery(server, `create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-rel-'));
  return {
    dataDir,
    databaseUrl: url.toString(),
    async remove() {
      rmSync(dataDir, { recursive: true, force: true });
      await adminQuery(server, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(server: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export function tallyEnv(books: Books, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    TALLY_DATA_DIR: books.dataDir,
    TALLY_ADMIN_KEY: ADMIN_KEY,
    TALLY_DEMO: '0',
    TALLY_RATE_LIMIT_PER_MINUTE: '0',
    TALLY_LOG_LEVEL: 'info',
    ...extra,
  };
  if (books.databaseUrl) env.TALLY_DATABASE_URL = books.databaseUrl;
  return env;
}

/** One running `tally serve` child: its URL and everything it printed. */
export interface Tally {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startTally(books: Books, extra: Record<string, string> = {}): Promise<Tally> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: tallyEnv(books, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Tally did not start within 30s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Tally exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A workspace on the free plan with `credits` more granted, and a key with every scope. */
export async function workspaceWithKey(
  base: string,
  credits: number,
  scopes: string[] = ['ingest', 'read', 'admin'],
): Promise<{ id: string; key: string; keyId: string }> {
  const created = await call(base, 'POST', '/v1/workspaces', {
    key: ADMIN_KEY,
    body: { name: `rel ${randomBytes(3).toString('hex')}`, plan: 'free' },
  });
  if (created.status !== 201) throw new Error(`workspace: ${created.status} ${created.text}`);
  const id = field<string>(created.body, 'id');
  if (credits > 0) {
    const grant = await call(base, 'POST', `/v1/workspaces/${id}/grants`, {
      key: ADMIN_KEY,
      body: { id: `g-${randomBytes(4).toString('hex')}`, amount: credits, source: 'promotion', reason: 'reliability' },
    });
    if (grant.status !== 201 && grant.status !== 200) throw new Error(`grant: ${grant.status} ${grant.text}`);
  }
  const key = await call(base, 'POST', `/v1/workspaces/${id}/keys`, { key: ADMIN_KEY, body: { scopes } });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${key.text}`);
  return { id, key: field<string>(key.body, 'key'), keyId: field<string>(key.body, 'id') };
}

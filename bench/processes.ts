import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A server in its own process, so the load generator never competes with it for the event loop. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory now, read from /proc (the child is node itself, not a wrapper). */
  rssBytes(): number;
  stop(): Promise<void>;
}

function started(child: ChildProcess, pattern: RegExp, what: string): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (!match?.[1]) return;
      child.stdout?.off('data', onData);
      const pid = child.pid ?? 0;
      resolve({
        url: match[1],
        pid,
        rssBytes: () => {
          const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
          return Number(line?.[1] ?? 0) * 1024;
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before listening:\n${output}`)));
  });
}

export interface TallySettings {
  dataDir: string;
  adminKey: string;
  databaseUrl: string | null;
}

/** `tally serve` as an operator runs it, on a free loopback port, without rate limiting or the demo. */
export function startTally(settings: TallySettings): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    TALLY_DEMO: '0',
    TALLY_DATA_DIR: settings.dataDir,
    TALLY_ADMIN_KEY: settings.adminKey,
    TALLY_RATE_LIMIT_PER_MINUTE: '0',
    TALLY_LOG_LEVEL: 'warn',
  };
  if (settings.databaseUrl) env.TALLY_DATABASE_URL = settings.databaseUrl;
  else delete env.TALLY_DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started(child, /Tally is listening on (http:\/\/\S+)/, 'Tally');
}

/**
 * The HTTP floor: bare node:http answering a fixed small JSON body, in its own process like Tally.
 * Given a database, each request first writes one row there (autocommitted, through pg like Tally).
 */
export function startBareHttp(databaseUrl?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-http.mjs', import.meta.url))], {
    cwd: ROOT,
    env: { ...process.env, ...(databaseUrl ? { FLOOR_DATABASE_URL: databaseUrl } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started(child, /listening on (http:\/\/\S+)/, 'bare node:http');
}

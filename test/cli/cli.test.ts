import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'tally-cli-'));
const env = {
  ...process.env,
  TALLY_DATA_DIR: dataDir,
  TALLY_DEMO: '0',
  TALLY_DATABASE_URL: '',
  TALLY_LOG_LEVEL: 'warn',
};

async function tally(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the operator CLI', () => {
  it('creates a workspace and a key, grants credits, verifies the books and exports usage', async () => {
    const created = await tally('workspace', 'create', '--name', 'Acme Dental', '--plan', 'starter');
    expect(created.code).toBe(0);
    const workspace = JSON.parse(created.stdout) as { id: string; plan: string };
    expect(workspace.plan).toBe('starter');

    const key = JSON.parse((await tally('key', 'create', workspace.id, '--scopes', 'ingest,read')).stdout) as {
      key: string;
      scopes: string[];
    };
    expect(key.key).toMatch(/^tally_/);
    expect(key.scopes).toEqual(['ingest', 'read']);

    const grant = await tally(
      'grant',
      workspace.id,
      '--amount',
      '12.5',
      '--reason',
      'goodwill',
      '--id',
      'cli-goodwill',
    );
    expect(JSON.parse(grant.stdout)).toMatchObject({ id: 'cli-goodwill', amount: 12.5, replayed: false });
    const again = await tally(
      'grant',
      workspace.id,
      '--amount',
      '12.5',
      '--reason',
      'goodwill',
      '--id',
      'cli-goodwill',
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: true });

    const verified = await tally('verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('The books balance');

    const exported = await tally('export', workspace.id, '--from', '2026-01-01', '--to', '2026-01-31');
    expect(exported.stdout.split('\r\n')[0]).toBe('day,channel,credits_used,responses,conversations');
  }, 60_000);

  it('prints overage limits and pack grants in credits, as the API does', async () => {
    const created = await tally('workspace', 'create', '--name', 'Overage Co', '--plan', 'starter', '--overage', '2.5');
    const workspace = JSON.parse(created.stdout) as { id: string; overageLimit: number };
    expect(workspace.overageLimit).toBe(2.5);
    const listed = JSON.parse((await tally('workspace', 'list')).stdout) as Array<{ id: string; overageLimit: number }>;
    expect(listed.find((row) => row.id === workspace.id)?.overageLimit).toBe(2.5);
    const bought = await tally('billing', 'purchase', workspace.id, 'pack-500', '--id', 'invoice-1');
    expect(JSON.parse(bought.stdout)).toMatchObject({ grant: { amount: 500, remaining: 500 } });
  }, 60_000);

  it('explains a bad argument or setting instead of failing with a stack trace', async () => {
    const badAmount = await tally('grant', 'ws_x', '--amount', 'lots', '--reason', 'x');
    expect(badAmount.code).not.toBe(0);
    expect(badAmount.stderr).toContain('must be a number of credits');
    const badScope = await tally('key', 'create', 'ws_x', '--scopes', 'everything');
    expect(badScope.stderr).toContain('unknown scope "everything"');
    const badConfig = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify'], {
      cwd: root,
      env: { ...env, PORT: 'eighty' },
    }).catch((error: { stderr: string; code: number }) => error);
    expect((badConfig as { code: number }).code).toBe(2);
    expect((badConfig as { stderr: string }).stderr).toContain('PORT must be a whole number');
    const help = await tally('--help');
    for (const command of ['serve', 'migrate', 'workspace', 'key', 'grant', 'verify', 'export', 'seed-demo', 'user']) {
      expect(help.stdout).toContain(command);
    }
  }, 60_000);

  it('stops on SIGTERM after finishing what is in flight, and exits cleanly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: root,
      env: { ...env, PORT: '0', TALLY_ADMIN_KEY: 'cli-test-operator-key-0123456789' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${output}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const admin = { authorization: 'Bearer cli-test-operator-key-0123456789', 'content-type': 'application/json' };
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      fetch(`${url}/v1/workspaces`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: `W${i}`, plan: 'free' }),
        // A request queued on a socket the closing server drops can wait forever in the client; the
        // timeout turns that into the 'refused' a real client would see.
        signal: AbortSignal.timeout(15_000),
      }).then(
        (res) => res.status,
        () => 'refused',
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGTERM');
    const [code, statuses] = await Promise.all([
      new Promise((resolve) => child.on('exit', resolve)),
      Promise.all(inFlight),
    ]);
    expect(code).toBe(0);
    expect(output).toContain('SIGTERM: finishing in-flight requests');
    expect(output).toContain('Payments: off (TALLY_PAYMENTS=off)');
    expect(output.split('E-mail notices: off (TALLY_SMTP_URL is unset)')).toHaveLength(2);
    // Each request either finished (201), was turned away once closing began (503, so a load balancer
    // retries it elsewhere), or found the port closed; none is cut off half-way.
    expect(statuses.filter((status) => status !== 201 && status !== 503 && status !== 'refused')).toEqual([]);
  }, 60_000);
});

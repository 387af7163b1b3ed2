import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSecretKey, SECRET_KEY_FILE } from './secret-key.ts';

describe('loading the secret key', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-key-'));
    dirs.push(dir);
    return join(dir, 'data');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('takes TALLY_SECRET_KEY as hex or base64 and writes no file', () => {
    const bytes = randomBytes(32);
    const dataDir = freshDir();
    expect(loadSecretKey({ secretKey: bytes.toString('hex'), dataDir }).equals(bytes)).toBe(true);
    expect(loadSecretKey({ secretKey: bytes.toString('base64'), dataDir }).equals(bytes)).toBe(true);
    expect(loadSecretKey({ secretKey: bytes.toString('base64url'), dataDir }).equals(bytes)).toBe(true);
    expect(() => statSync(join(dataDir, SECRET_KEY_FILE))).toThrow();
  });

  it('refuses a key of the wrong size without repeating it', () => {
    const short = randomBytes(16).toString('hex');
    expect(() => loadSecretKey({ secretKey: short, dataDir: freshDir() })).toThrow(
      /TALLY_SECRET_KEY must be 32 random bytes/,
    );
    try {
      loadSecretKey({ secretKey: short, dataDir: freshDir() });
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
  });

  it('generates a key on first start, readable only by its owner, and reuses it after', () => {
    const dataDir = freshDir();
    const first = loadSecretKey({ dataDir });
    const file = join(dataDir, SECRET_KEY_FILE);
    expect(first).toHaveLength(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ dataDir }).equals(first)).toBe(true);
    expect(loadSecretKey({ secretKey: '', dataDir }).equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
  });

  it('narrows a key file that others could read', () => {
    if (process.platform === 'win32') return;
    const dataDir = freshDir();
    loadSecretKey({ dataDir });
    const file = join(dataDir, SECRET_KEY_FILE);
    chmodSync(file, 0o644);
    loadSecretKey({ dataDir });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged key file rather than silently making a new key', () => {
    const dataDir = freshDir();
    loadSecretKey({ dataDir });
    writeFileSync(join(dataDir, SECRET_KEY_FILE), 'not a key\n');
    expect(() => loadSecretKey({ dataDir })).toThrow(/must be 32 random bytes/);
  });
});

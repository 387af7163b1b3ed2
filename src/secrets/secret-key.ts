import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_KEY_BYTES } from './secret-box.ts';

export const SECRET_KEY_FILE = 'secret.key';

export interface SecretKeyOptions {
  /** `TALLY_SECRET_KEY`: 32 bytes as hex (64 characters) or base64 / base64url. Wins over the file. */
  secretKey?: string | undefined;
  /** Where the embedded default keeps its generated key. */
  dataDir: string;
}

/** Parses a configured key; throws with a message that says what shape is expected, never echoing the value. */
export function parseSecretKey(text: string, source: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === SECRET_KEY_BYTES) return bytes;
  }
  throw new Error(
    `${source} must be ${SECRET_KEY_BYTES} random bytes written as 64 hex characters or as base64 ` +
      '(for example the output of `openssl rand -base64 32`).',
  );
}

/**
 * The key that seals stored secrets (Twilio credentials, webhook signing secrets). Losing it makes
 * every stored secret unreadable (workspaces must reconnect Twilio, webhook subscriptions must be
 * created again), so the generated one is written once and reused on every start.
 */
export function loadSecretKey(options: SecretKeyOptions): Buffer {
  if (options.secretKey !== undefined && options.secretKey.trim() !== '') {
    return parseSecretKey(options.secretKey, 'TALLY_SECRET_KEY');
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, SECRET_KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return existing;

  // Written to a private temporary file and then linked into place: link() fails if the name exists,
  // so two processes starting at once agree on one key and neither can read a half-written file.
  const temporary = join(options.dataDir, `.${SECRET_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temporary, `${randomBytes(SECRET_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  const created = readKeyFile(file);
  if (!created) throw new Error(`Could not read back the secret key at ${file}.`);
  return created;
}

function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // A key others can read protects nothing; narrow it rather than refuse to start.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseSecretKey(text, file);
}

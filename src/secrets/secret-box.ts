import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals short secrets (Twilio Auth Tokens and API key secrets, webhook signing secrets) for storage with AES-256-GCM.
 *
 * Format: `v1.<nonce>.<ciphertext>.<tag>`, each part base64url. The version prefix lets a later
 * format (another cipher, a key id for rotation) be read side by side with rows already written.
 * `context` is authenticated but not stored: sealing with the workspace and account SID means a
 * sealed value copied into another row no longer opens.
 */
const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== SECRET_KEY_BYTES) {
    throw new SecretBoxError(`The secret key must be ${SECRET_KEY_BYTES} bytes, not ${key.length}.`);
  }
}

export function sealSecret(key: Uint8Array, plaintext: string, context: string): string {
  checkKey(key);
  // A fresh random nonce per secret: GCM loses both secrecy and integrity if a (key, nonce) pair repeats.
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, nonce, ciphertext, tag]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function openSecret(key: Uint8Array, sealed: string, context: string): string {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts[0] !== VERSION) throw new SecretBoxError(`Unknown sealed secret format "${parts[0] ?? ''}".`);
  if (parts.length !== 4) throw new SecretBoxError('Malformed sealed secret.');
  const [nonce, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  if (!nonce || !ciphertext || !tag || nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretBoxError('Malformed sealed secret.');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a wrong key from tampering; either way the plaintext must not be trusted.
    throw new SecretBoxError('The sealed secret does not open with this key (wrong key, or altered data).');
  }
}

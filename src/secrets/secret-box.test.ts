import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, SecretBoxError, sealSecret } from './secret-box.ts';

describe('secret box', () => {
  const key = randomBytes(32);
  const token = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';

  it('opens what it sealed, in a versioned format that does not contain the secret', () => {
    const sealed = sealSecret(key, token, 'ws_1/AC1');
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(sealed).not.toContain(token);
    expect(openSecret(key, sealed, 'ws_1/AC1')).toBe(token);
  });

  it('uses a fresh nonce every time, so the same secret never seals the same way', () => {
    const seals = new Set(Array.from({ length: 50 }, () => sealSecret(key, token, 'ctx')));
    expect(seals.size).toBe(50);
    const nonces = new Set([...seals].map((s) => s.split('.')[1]));
    expect(nonces.size).toBe(50);
  });

  it('refuses another key, another context, an altered byte and an unknown version', () => {
    const sealed = sealSecret(key, token, 'ws_1/AC1');
    expect(() => openSecret(randomBytes(32), sealed, 'ws_1/AC1')).toThrow(SecretBoxError);
    expect(() => openSecret(key, sealed, 'ws_2/AC1')).toThrow(SecretBoxError);
    const [version, nonce, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => openSecret(key, [version, nonce, flipped.toString('base64url'), tag].join('.'), 'ws_1/AC1')).toThrow(
      SecretBoxError,
    );
    expect(() => openSecret(key, sealed.replace(/^v1/, 'v9'), 'ws_1/AC1')).toThrow(/Unknown sealed secret format/);
    expect(() => openSecret(key, 'v1.abc', 'ws_1/AC1')).toThrow(/Malformed/);
  });

  it('insists on a 32-byte key', () => {
    expect(() => sealSecret(randomBytes(16), token, 'ctx')).toThrow(/32 bytes/);
  });
});

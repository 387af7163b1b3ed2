import { describe, expect, it } from 'vitest';
import { newSigningSecret, signTallyPayload, verifyTallySignature } from './signature.ts';

const at = new Date('2026-11-01T12:00:00Z');
const body = JSON.stringify({ id: 'evt_1', type: 'credits.low', data: { available: 9 } });

describe('Tally-Signature', () => {
  const secret = newSigningSecret();
  const header = signTallyPayload(secret, body, at);

  it('is a timestamp and an HMAC-SHA256 of "timestamp.body", like Stripe-Signature', () => {
    expect(header).toMatch(/^t=1793534400,v1=[0-9a-f]{64}$/);
  });

  it('verifies with the same secret and body', () => {
    expect(verifyTallySignature(secret, header, body, 300, at)).toBe(true);
    expect(verifyTallySignature(secret, header, Buffer.from(body), 300, at)).toBe(true);
  });

  it('fails for a changed body, another secret, or a changed signature', () => {
    expect(verifyTallySignature(secret, header, body.replace('9', '90'), 300, at)).toBe(false);
    expect(verifyTallySignature(newSigningSecret(), header, body, 300, at)).toBe(false);
    const flipped = header.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect(verifyTallySignature(secret, flipped, body, 300, at)).toBe(false);
  });

  it('fails when the timestamp is outside the tolerance, so an old delivery cannot be replayed', () => {
    expect(verifyTallySignature(secret, header, body, 300, new Date(at.getTime() + 301_000))).toBe(false);
    expect(verifyTallySignature(secret, header, body, 300, new Date(at.getTime() + 299_000))).toBe(true);
    const resigned = header.replace(/^t=\d+/, `t=${at.getTime() / 1000 + 10}`);
    expect(verifyTallySignature(secret, resigned, body, 300, at)).toBe(false);
  });

  it('accepts any one matching v1 among several, and rejects malformed headers', () => {
    const other = signTallyPayload(newSigningSecret(), body, at).split(',')[1];
    expect(verifyTallySignature(secret, `${header},${other}`, body, 300, at)).toBe(true);
    for (const bad of [undefined, '', 'garbage', 't=abc,v1=00', `v1=${'0'.repeat(64)}`, 't=1793534400']) {
      expect(verifyTallySignature(secret, bad, body, 300, at)).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { nulCharacterAt } from './nul-guard.ts';

describe('finding a NUL character in a request', () => {
  it('names the part and the dotted field it hides in', () => {
    expect(nulCharacterAt({ params: { id: 'a\u0000b' }, querystring: {}, body: undefined })).toEqual({
      in: 'params',
      field: 'id',
    });
    expect(nulCharacterAt({ params: {}, querystring: { from: '\u0000' }, body: null })).toEqual({
      in: 'querystring',
      field: 'from',
    });
    const body = { responses: [{ id: 'r1' }, { id: 'r2', features: ['voice', 'x\u0000'] }] };
    expect(nulCharacterAt({ params: {}, querystring: {}, body })).toEqual({
      in: 'body',
      field: 'responses.1.features.1',
    });
    expect(nulCharacterAt({ params: {}, querystring: {}, body: { 'a\u0000': 1 } })).toEqual({
      in: 'body',
      field: 'a\u0000',
    });
    expect(nulCharacterAt({ params: {}, querystring: {}, body: 'text\u0000' })).toEqual({ in: 'body', field: '' });
  });

  it('passes text without one, numbers, nulls and raw bytes', () => {
    const body = { name: 'Acme \u00e9\u{1F4A5}', amount: 1, nothing: null, list: [true, 'ok'] };
    expect(nulCharacterAt({ params: { id: 'ws_1' }, querystring: { limit: 5 }, body })).toBeNull();
    expect(nulCharacterAt({ params: {}, querystring: {}, body: Buffer.from('a\u0000b') })).toBeNull();
  });

  it('walks valid JSON nested 100,000 deep without overflowing the stack', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    expect(nulCharacterAt({ params: {}, querystring: {}, body: { x: deep } })?.field).toMatch(/^x(\.0)+$/);
  });
});

import { describe, expect, it } from 'vitest';
import { unacceptableTextAt } from './text-guard.ts';

describe('finding text Tally does not accept in a request', () => {
  it('names the part and the dotted field it hides in', () => {
    expect(unacceptableTextAt({ params: { id: 'a\u0000b' }, querystring: {}, body: undefined })).toEqual({
      in: 'params',
      field: 'id',
      problem: 'nul',
    });
    expect(unacceptableTextAt({ params: {}, querystring: { from: '\u0000' }, body: null })).toEqual({
      in: 'querystring',
      field: 'from',
      problem: 'nul',
    });
    const body = { responses: [{ id: 'r1' }, { id: 'r2', features: ['voice', 'x\u0000'] }] };
    expect(unacceptableTextAt({ params: {}, querystring: {}, body })).toEqual({
      in: 'body',
      field: 'responses.1.features.1',
      problem: 'nul',
    });
    expect(unacceptableTextAt({ params: {}, querystring: {}, body: { 'a\u0000': 1 } })).toEqual({
      in: 'body',
      field: 'a\u0000',
      problem: 'nul',
    });
    expect(unacceptableTextAt({ params: {}, querystring: {}, body: 'text\u0000' })).toEqual({
      in: 'body',
      field: '',
      problem: 'nul',
    });
  });

  it('names a lone UTF-16 surrogate, and passes a surrogate pair (an emoji)', () => {
    const body = JSON.parse('{"id":"fz-1","reason":"trial \\ud800","note":"\\udc00 first"}');
    expect(unacceptableTextAt({ params: {}, querystring: {}, body })).toEqual({
      in: 'body',
      field: 'note',
      problem: 'lone_surrogate',
    });
    expect(unacceptableTextAt({ params: {}, querystring: {}, body: { reason: 'trial \ud800' } })?.field).toBe('reason');
    expect(unacceptableTextAt({ params: {}, querystring: {}, body: { reason: 'boom \u{1F4A5}' } })).toBeNull();
  });

  it('passes text without one, numbers, nulls and raw bytes', () => {
    const body = { name: 'Acme \u00e9\u{1F4A5}', amount: 1, nothing: null, list: [true, 'ok'] };
    expect(unacceptableTextAt({ params: { id: 'ws_1' }, querystring: { limit: 5 }, body })).toBeNull();
    expect(unacceptableTextAt({ params: {}, querystring: {}, body: Buffer.from('a\u0000b') })).toBeNull();
  });

  it('walks valid JSON nested 100,000 deep without overflowing the stack', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    expect(unacceptableTextAt({ params: {}, querystring: {}, body: { x: deep } })?.field).toMatch(/^x(\.0)+$/);
  });
});

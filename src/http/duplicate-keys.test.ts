import { describe, expect, it } from 'vitest';
import { duplicateKeyIn } from './duplicate-keys.ts';

describe('finding a key given twice in a JSON body', () => {
  it('names the repeated key, wherever it is nested', () => {
    expect(duplicateKeyIn('{"id":"a","count":1,"id":"b"}')).toBe('id');
    expect(duplicateKeyIn('{"responses":[{"id":"a"},{"id":"b","cost":1,"cost":2}]}')).toBe('responses.1.cost');
    expect(duplicateKeyIn('{"a":{"b":{"c":1,"c":1}}}')).toBe('a.b.c');
  });

  it('sees through whitespace and escapes: "\\u0061" is the key "a"', () => {
    expect(duplicateKeyIn('{ "a" : 1 ,\n "a" : 2 }')).toBe('a');
    expect(duplicateKeyIn('{"a":1,"\\u0061":2}')).toBe('a');
  });

  it('accepts the same key in different objects, and key-like text inside strings', () => {
    expect(duplicateKeyIn('{"responses":[{"id":"a"},{"id":"b"}],"id":"c"}')).toBeNull();
    expect(duplicateKeyIn('{"a":"\\"a\\":1","b":"{\\"a\\":2}"}')).toBeNull();
    expect(duplicateKeyIn('{"a":[1,{"a":2}],"b":{"a":3}}')).toBeNull();
    expect(duplicateKeyIn('["a","a",{"a":1}]')).toBeNull();
    expect(duplicateKeyIn('{}')).toBeNull();
  });

  it('walks deep nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}{"a":1,"a":2}${']'.repeat(100_000)}`;
    expect(duplicateKeyIn(deep)).toMatch(/\.a$/);
  });
});

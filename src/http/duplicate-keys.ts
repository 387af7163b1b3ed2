const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

interface Level {
  /** The keys seen so far in this object; null for an array. */
  keys: Set<string> | null;
  /** Array levels: the index of the element being read. */
  index: number;
  /** Object levels: the key whose value is being read. */
  key: string;
  expectingKey: boolean;
}

/** "responses.3.id": where each open level sits in its parent, then the repeated key. */
const pathTo = (stack: Level[], key: string) =>
  [...stack.slice(0, -1).map((level) => (level.keys ? level.key : String(level.index))), key].join('.');

/**
 * The dotted path of the first key that appears twice in one object of `text`, or null. `text`
 * must already be valid JSON (the parser ran first). JSON.parse keeps the last of two equal keys
 * while other parsers keep the first, so a body with both could mean one amount to a proxy or
 * an audit log and another to Tally; refusing it removes the doubt. Keys are compared decoded
 * ("a" and "\u0061" are the same key). Walks with a stack: bodies may nest deeply.
 */
export function duplicateKeyIn(text: string): string | null {
  // Fast path: every key is followed by a colon, so a body with fewer than two has no repeat.
  const first = text.indexOf(':');
  if (first === -1 || text.indexOf(':', first + 1) === -1) return null;
  const stack: Level[] = [];
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    const level = stack[stack.length - 1];
    if (code === QUOTE) {
      let end = at + 1;
      let escaped = false;
      for (; end < text.length; end++) {
        const next = text.charCodeAt(end);
        if (next === BACKSLASH) {
          escaped = true;
          end++;
        } else if (next === QUOTE) break;
      }
      if (level?.keys && level.expectingKey) {
        const key = escaped ? (JSON.parse(text.slice(at, end + 1)) as string) : text.slice(at + 1, end);
        if (level.keys.has(key)) return pathTo(stack, key);
        level.keys.add(key);
        level.key = key;
        level.expectingKey = false;
      }
      at = end;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      stack.push({
        keys: code === OPEN_OBJECT ? new Set() : null,
        index: 0,
        key: '',
        expectingKey: code === OPEN_OBJECT,
      });
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      stack.pop();
    } else if (code === COMMA && level) {
      if (level.keys) level.expectingKey = true;
      else level.index++;
    } else if (code === COLON && level) {
      level.expectingKey = false;
    }
  }
  return null;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { TallyError } from '../domain/errors.ts';

/** Where a keyset page stopped: the last row's time and id, in the read's order. */
export interface Position {
  at: number;
  id: string;
}

const MAC_BYTES = 16;

/**
 * Opaque page cursors: the position and the query it belongs to, signed with the server's key, so
 * a cursor edited by hand, or replayed with other filters, is refused as a 400 rather than read as a
 * position nobody was given.
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(secretKey: Uint8Array) {
    this.#key = createHmac('sha256', secretKey).update('tally page cursor').digest();
  }

  encode(position: Position, query: string): string {
    const payload = Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
    return `${payload}.${this.#mac(payload, query).toString('base64url')}`;
  }

  decode(cursor: string, query: string): Position {
    const [payload, mac, extra] = cursor.split('.');
    if (payload && mac && extra === undefined) {
      const given = Buffer.from(mac, 'base64url');
      const expected = this.#mac(payload, query);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        const [at, id] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [number, string];
        return { at, id };
      }
    }
    throw new TallyError(
      'invalid_request',
      'cursor is not one this query returned: pass nextCursor unchanged, with the same filters.',
      { field: 'cursor' },
    );
  }

  #mac(payload: string, query: string): Buffer {
    return createHmac('sha256', this.#key).update(`${query}\n${payload}`).digest().subarray(0, MAC_BYTES);
  }
}

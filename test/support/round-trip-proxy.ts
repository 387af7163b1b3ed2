import type { AddressInfo } from 'node:net';
import { createServer, connect as dial, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts network round trips: per connection, a round trip
 * starts when the client sends while every request it had sent is answered, i.e. when it had to
 * wait (or was idle). Requests are the wire protocol's Sync ('S') and simple Query ('Q') messages,
 * the startup message included; an answer is ReadyForQuery ('Z'). Statements pipelined behind one
 * still unanswered ride in the same round trip, however the bytes are split into packets.
 */
export interface RoundTripProxy {
  /** `url` with its host and port pointing at the proxy. */
  url: string;
  /** Round trips counted over every connection since the start (or the last `reset`). */
  readonly roundTrips: number;
  reset(): void;
  close(): Promise<void>;
}

/** Reads typed protocol messages (1-byte type, 4-byte length) from a stream split anywhere. */
class MessageTypes {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private untypedFirst: boolean) {}

  /** The type byte of every message `chunk` completes; '\0' for the untyped startup message. */
  *read(chunk: Buffer): Generator<string> {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const typed = !this.untypedFirst;
      const header = typed ? 5 : 4;
      if (this.pending.length - at < header) break;
      const length = this.pending.readInt32BE(typed ? at + 1 : at);
      const size = typed ? length + 1 : length;
      if (this.pending.length - at < size) break;
      yield typed ? String.fromCharCode(this.pending[at] as number) : '\0';
      this.untypedFirst = false;
      at += size;
    }
    this.pending = this.pending.subarray(at);
  }
}

export async function startRoundTripProxy(databaseUrl: string): Promise<RoundTripProxy> {
  const target = new URL(databaseUrl);
  let roundTrips = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = dial(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const fromClient = new MessageTypes(true);
    const fromServer = new MessageTypes(false);
    let unanswered = 0;
    client.on('data', (chunk: Buffer) => {
      for (const type of fromClient.read(chunk)) {
        if (type !== '\0' && type !== 'S' && type !== 'Q') continue;
        if (unanswered === 0) roundTrips++;
        unanswered++;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const type of fromServer.read(chunk)) if (type === 'Z') unanswered = Math.max(0, unanswered - 1);
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    get roundTrips() {
      return roundTrips;
    },
    reset: () => {
      roundTrips = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

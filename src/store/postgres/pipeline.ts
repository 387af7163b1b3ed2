import { createHash } from 'node:crypto';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  Transaction,
} from 'kysely';
import type pg from 'pg';
import type { Database } from '../schema.ts';

/** How many distinct statement texts a process names; past it, statements go unnamed (planned each time). */
const MAX_NAMED = 256;
const names = new Map<string, string>();

/**
 * A name for the statement `text`, so each connection parses and plans it once (pg prepares a named
 * statement on first use per connection) — the balance observers' reads are planned in every ledger
 * transaction otherwise, which cost PostgreSQL more than running them. Texts are Kysely's compiled SQL,
 * a fixed set of shapes; the cap keeps an unforeseen stream of shapes from growing every connection's
 * prepared statements.
 */
function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `tally_k_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/** Statements whose answer counts the rows they changed, as Kysely's own PostgreSQL driver reports them. */
const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * One pooled connection in pg's pipeline mode: a statement is sent as soon as it is issued, without
 * waiting for the answers before it, so statements issued together (not awaited in between) cost one
 * network round trip. The server still runs them one after another, each with its own Sync.
 *
 * Inside a transaction the first failing statement aborts it: every later one fails with 25P02 and a
 * COMMIT answers ROLLBACK. `firstError` keeps that first real error, for the caller to get instead.
 */
export class Pipeline {
  private failure: { error: unknown } | null = null;
  private readonly answers: Promise<unknown>[] = [];
  /** Runs before each statement sent through `send`: a ledger transaction sends its held-back writes first. */
  beforeEach: (() => void) | null = null;

  constructor(private readonly client: pg.PoolClient) {}

  /** Sends a statement after whatever `beforeEach` holds back. */
  send<R extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    this.beforeEach?.();
    return this.sendNow<R>(query);
  }

  /** Sends a statement at once; its failure is kept even if nobody awaits it. */
  sendNow<R extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    const answer = this.client.query<R>(query).catch((error: unknown) => {
      this.failure ??= { error };
      throw error;
    });
    this.answers.push(answer.catch(() => undefined));
    return answer;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /** The first statement's error, in the order sent; `fallback` when none failed. */
  firstError(fallback: unknown): unknown {
    return this.failure ? this.failure.error : fallback;
  }

  /** Waits for every answer, failed or not. */
  async settled(): Promise<void> {
    await Promise.all(this.answers);
  }

  /**
   * A Kysely transaction on this connection that does not wait for one query before sending the
   * next (Kysely's own runs one query at a time), so queries started together share a round trip.
   */
  kysely({ db, dialect, driver }: { db: Kysely<Database>; dialect: Dialect; driver: Driver }): Transaction<Database> {
    const connection: DatabaseConnection = {
      executeQuery: async <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => {
        const name = nameOf(compiled.sql);
        const { command, rowCount, rows } = await this.send<R & pg.QueryResultRow>({
          ...(name ? { name } : {}),
          text: compiled.sql,
          values: [...compiled.parameters],
        });
        return {
          rows,
          ...(COUNTED.has(command) ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
        };
      },
      streamQuery: () => {
        throw new Error('a pipelined connection cannot stream: its statements share the wire');
      },
    };
    return new Transaction<Database>({
      config: { dialect },
      dialect,
      driver,
      executor: db.getExecutor().withConnectionProvider({ provideConnection: (consume) => consume(connection) }),
    });
  }
}

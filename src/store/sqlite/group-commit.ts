import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import type { WriteDurability } from './write-durability.ts';

type Work<T> = (trx: Transaction<Database>) => Promise<T>;

interface Waiting {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Bounds how long the last caller of a group waits for the callers before it. */
const MAX_GROUP = 128;

/**
 * Group commit for SQLite: transactions that arrive while another is running share the next
 * BEGIN IMMEDIATE … COMMIT, each inside its own savepoint, so one WAL sync acknowledges them all.
 *
 * - A caller whose work throws is rolled back to its savepoint and gets its error; the others in
 *   the group are untouched, exactly as if each had had a transaction of its own.
 * - When the COMMIT fails, every caller of the group gets that error and nothing is kept.
 * - A caller that arrives alone runs alone, with no savepoint.
 *
 * With `durability`, the COMMIT itself does not sync (`synchronous = NORMAL`): every caller is answered
 * only once `durability.synced()` says what was committed so far is on disk, so acknowledged still means synced.
 * The next group runs its transaction meanwhile, and its own wait covers both. Until then the commit
 * is visible to every read that is not one of its callers. When that sync fails, every caller waiting
 * on it gets an error saying so (its cause the sync's) and every later transaction is refused without
 * running: what the database shows may no longer be what the disk holds, and only reopening it tells
 * (see SyncPipeline).
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private draining = false;
  private stopped: Error | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly durability: Pick<WriteDurability, 'synced' | 'leaveToCaller'> | null = null,
  ) {}

  run<T>(work: Work<T>): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, MAX_GROUP);
      if (this.stopped) {
        for (const caller of group) caller.reject(this.stopped);
        continue;
      }
      const outcomes = group.length === 1 ? [await this.runAlone(group[0] as Waiting)] : await this.runTogether(group);
      if (this.durability) void this.answerOnceDurable(group, outcomes, this.durability.synced());
      else answer(group, outcomes);
    }
    this.draining = false;
  }

  private async answerOnceDurable(group: Waiting[], outcomes: Outcome[], durable: Promise<void>): Promise<void> {
    try {
      await durable;
    } catch (error) {
      this.stopped ??= new Error('The SQLite store stopped taking writes: syncing its WAL failed. Restart Tally.', {
        cause: error,
      });
      for (const caller of group) caller.reject(this.stopped);
      return;
    }
    answer(group, outcomes);
  }

  private async runAlone(caller: Waiting): Promise<Outcome> {
    try {
      return {
        ok: true,
        value: await this.db.transaction().execute((trx) => {
          this.durability?.leaveToCaller();
          return caller.work(trx);
        }),
      };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async runTogether(group: Waiting[]): Promise<Outcome[]> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        this.durability?.leaveToCaller();
        const done: Outcome[] = [];
        for (const caller of group) {
          await sql`savepoint tally_group_member`.execute(trx);
          try {
            done.push({ ok: true, value: await caller.work(trx) });
          } catch (error) {
            await sql`rollback to savepoint tally_group_member`.execute(trx);
            done.push({ ok: false, error });
          }
          await sql`release savepoint tally_group_member`.execute(trx);
        }
        return done;
      });
    } catch (error) {
      return group.map(() => ({ ok: false, error }));
    }
  }
}

function answer(group: Waiting[], outcomes: Outcome[]): void {
  group.forEach((caller, index) => {
    const outcome = outcomes[index] as Outcome;
    if (outcome.ok) caller.resolve(outcome.value);
    else caller.reject(outcome.error);
  });
}

import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';

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
 * - Every caller is answered only after the group's COMMIT returns, so acknowledged still means
 *   synced; when the COMMIT fails, every caller of the group gets that error and nothing is kept.
 * - A caller that arrives alone runs alone, with no savepoint.
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private draining = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: Work<T>): Promise<T> {
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
      if (group.length === 1) await this.runAlone(group[0] as Waiting);
      else await this.runTogether(group);
    }
    this.draining = false;
  }

  private async runAlone(caller: Waiting): Promise<void> {
    try {
      caller.resolve(await this.db.transaction().execute(caller.work));
    } catch (error) {
      caller.reject(error);
    }
  }

  private async runTogether(group: Waiting[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.db.transaction().execute(async (trx) => {
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
      for (const caller of group) caller.reject(error);
      return;
    }
    group.forEach((caller, index) => {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) caller.resolve(outcome.value);
      else caller.reject(outcome.error);
    });
  }
}

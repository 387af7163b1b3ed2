import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';

/** How old a reading of the database's clock may grow before the next `now()` starts a new one. */
const RESAMPLE_MS = 10_000;

/**
 * The PostgreSQL server's clock, as every Tally process on it reads it. A reading of
 * `clock_timestamp()` is placed at the midpoint of its round trip on this process's monotonic
 * clock and carried forward on it, so this process's wall clock — wrong, or stepped — never enters.
 * Its error is at most half that round trip plus the monotonic clock's drift since (a few
 * milliseconds in the 10 s between readings). A charge pays no round trip for it: readings are
 * taken in the background.
 */
export class DatabaseClock {
  private reading = { databaseMs: 0, at: 0 };
  private last = 0;
  private sampling: Promise<void> | null = null;

  private constructor(private readonly db: Kysely<unknown>) {}

  /** Takes the first reading, so `now()` is right from the start. */
  static async open(db: Kysely<unknown>): Promise<DatabaseClock> {
    const clock = new DatabaseClock(db);
    await clock.sample();
    return clock;
  }

  now = (): Date => {
    const elapsed = performance.now() - this.reading.at;
    if (elapsed > RESAMPLE_MS && !this.sampling) {
      // A failed reading (database away) keeps the last one; the next now() tries again.
      this.sampling = this.sample()
        .catch(() => {})
        .finally(() => {
          this.sampling = null;
        });
    }
    // Never backwards: a new reading a little behind the last answer does not undo it.
    this.last = Math.max(this.last, Math.round(this.reading.databaseMs + elapsed));
    return new Date(this.last);
  };

  private async sample(): Promise<void> {
    const sent = performance.now();
    const { rows } = await sql<{ ms: number }>`select extract(epoch from clock_timestamp()) * 1000 as ms`.execute(
      this.db,
    );
    const received = performance.now();
    this.reading = { databaseMs: Number(rows[0]?.ms), at: (sent + received) / 2 };
  }
}

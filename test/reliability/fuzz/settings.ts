import { type Books, postgresBooks, sqliteBooks } from '../support/tally-process.ts';

/** Settings of the fuzz run: the seed, the stores, how many cases, and the clock it reasons with. */

export const SEED = Number(process.env.TALLY_FUZZ_SEED ?? 20261125);
/** The same requests go to a Tally on each store: a NUL in text, for one, failed only on PostgreSQL. */
export const STORES: Array<[string, () => Promise<Books>]> = [
  ['SQLite', async () => sqliteBooks()],
  ['PostgreSQL', postgresBooks],
];
export const CASES_PER_ROUTE = 60;
export const CONCURRENCY = 8;
export const HUGE = 'x'.repeat(100_000);
/** TALLY_BODY_LIMIT_BYTES's default, which the child runs with. */
export const BODY_LIMIT_BYTES = 1_048_576;
export const NOW = Date.now();
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

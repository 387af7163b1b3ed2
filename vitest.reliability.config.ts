import { defineConfig } from 'vitest/config';

/** The slow, multi-process reliability suite: `npm run test:reliability`. */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    pool: 'forks',
    // One file at a time: they start Tally processes and one restarts PostgreSQL; 2 cores are shared.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'packages/**/*.test.ts', 'examples/**/*.test.ts'],
    // The slow multi-process suite has its own config and command (test:reliability).
    exclude: ['**/node_modules/**', 'test/reliability/**'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Vitest's default is one worker per core but one; on a 2-core machine that ran the files one by
    // one, while most of a test's time is spent waiting on PostgreSQL, fsync, child processes and
    // Chromium. Three files at a time measured 537 s against 706 s for one on a loaded machine.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The file that stops and starts the shared PostgreSQL server runs after every other file. */
class RestartLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const restarts = (file: TestSpecification) => file.moduleId.endsWith('postgres-restart.test.ts');
    return [...sorted.filter((file) => !restarts(file)), ...sorted.filter(restarts)];
  }
}

/** The slow, multi-process reliability suite: `npm run test:reliability`. */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // One file at a time: they start Tally processes and one restarts PostgreSQL; 2 cores are shared.
    fileParallelism: false,
    sequence: { sequencer: RestartLast },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

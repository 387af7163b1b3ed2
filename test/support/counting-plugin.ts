import type { KyselyPlugin } from 'kysely';

/** A Kysely plugin that calls `count` for every statement sent through the handle it is added to. */
export function countingPlugin(count: () => void): KyselyPlugin {
  return {
    transformQuery: ({ node }) => {
      count();
      return node;
    },
    transformResult: async ({ result }) => result,
  };
}

import { defineConfig } from 'vitest/config';

// Two cores: keep parallelism light; multi-process tests spawn their own children.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

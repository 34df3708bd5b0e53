import { defineConfig } from 'vitest/config';

// Two cores: keep parallelism light; multi-process tests spawn their own children.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file removes its temp dirs and processes at its end; the run checks none are left.
    setupFiles: ['test/helpers/cleanup.setup.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant of the Raft core and the driver's persistence
// path (npm run mutation:raft). Each surviving mutant runs all of them, so the cost is paid per
// mutant: the simulation runs 10 seeds per size instead of 1,000, and driver.test.ts (real
// clock, seconds) is left out; driver-persist.test.ts and the driver simulation (5 seeds per
// size, real driver and SQLite) cover the persistence path.
export default defineConfig({
  test: {
    include: [
      'test/consensus/core.test.ts', 'test/consensus/golden.test.ts', 'test/consensus/checker.test.ts',
      'test/consensus/sim-sabotage.test.ts', 'test/consensus/sim.test.ts', 'test/consensus/storage.test.ts',
      'test/consensus/driver-persist.test.ts', 'test/consensus/core-*.test.ts',
      'test/consensus/snapshot-chunks.test.ts',
      'test/consensus/driver-sim/driver-sim.test.ts', 'test/consensus/driver-sim/driver-sim-sabotage.test.ts',
    ],
    setupFiles: ['test/helpers/cleanup.setup.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    env: { RAFT_SIM_SEEDS: '10', RAFT_DRIVER_SIM_SEEDS: '5' },
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

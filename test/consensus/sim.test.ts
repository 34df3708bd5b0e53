// Deterministic simulation over many seeds. RAFT_SIM_SEEDS sets how many seeds per cluster
// size; RAFT_SIM_SEED (+ RAFT_SIM_NODES) replays a single failing seed.
import { describe, expect, it } from 'vitest';
import { runSimulation } from './sim/run.js';

const single = process.env.RAFT_SIM_SEED;
const seeds = Number(process.env.RAFT_SIM_SEEDS ?? 1000);
const sizes: (3 | 5)[] = process.env.RAFT_SIM_NODES ? [Number(process.env.RAFT_SIM_NODES) as 3 | 5] : [3, 5];

describe.each(sizes)('raft simulation, %i nodes', (nodes) => {
  if (single !== undefined) {
    it(`seed ${single}`, () => {
      const r = runSimulation({ seed: Number(single), nodes });
      console.log(`seed ${single}: ${JSON.stringify(r)}`);
    });
    return;
  }
  it(`${seeds} seeds keep every invariant`, () => {
    let acked = 0;
    for (let seed = 1; seed <= seeds; seed++) acked += runSimulation({ seed, nodes }).acked;
    expect(acked).toBeGreaterThan(seeds); // the workload made progress, the runs were not vacuous
  }, 600_000);
});

// Deterministic simulation over many seeds, each with its own fault model. RAFT_SIM_SEEDS
// sets how many seeds per cluster size; RAFT_SIM_SEED (+ RAFT_SIM_NODES) replays one seed.
import { describe, expect, it } from 'vitest';
import { LEADER_AFTER_HEAL_BOUND_MS } from './sim/liveness.js';
import { runSimulation, type SimResult } from './sim/run.js';

const single = process.env.RAFT_SIM_SEED;
const seeds = Number(process.env.RAFT_SIM_SEEDS ?? 1000);
const sizes: (3 | 5)[] = process.env.RAFT_SIM_NODES ? [Number(process.env.RAFT_SIM_NODES) as 3 | 5] : [3, 5];

/** Per-size figures: they prove the fault model actually exercised what it claims to. */
function summarize(results: readonly SimResult[]): Record<string, number> {
  const count = (f: (r: SimResult) => boolean): number => results.filter(f).length;
  const heal = results.map((r) => r.liveness.leaderAfterHealMs ?? 0).sort((a, b) => a - b);
  return {
    seeds: results.length,
    acked: results.reduce((n, r) => n + r.acked, 0),
    withConfChange: count((r) => r.stats.confChanges > 0),
    withConfProposalDuringCut: count((r) => r.stats.confProposalsDuringCut > 0),
    withOneWay: count((r) => r.stats.oneWay > 0),
    withBridge: count((r) => r.stats.bridges > 0),
    withMajorityOutage: count((r) => r.stats.majorityOutages > 0),
    withPause: count((r) => r.stats.pauses > 0),
    withCrashBeforeFsync: count((r) => r.stats.crashesBeforeFsync > 0),
    withLeaderGoneReport: count((r) => r.stats.leaderGoneReports > 0),
    withStraggler: count((r) => r.liveness.straggler !== null),
    leaderAfterHealP99Ms: heal[Math.floor(heal.length * 0.99)] ?? 0,
    leaderAfterHealMaxMs: heal[heal.length - 1] ?? 0,
  };
}

describe.each(sizes)('raft simulation, %i nodes', (nodes) => {
  if (single !== undefined) {
    it(`seed ${single}`, () => {
      const r = runSimulation({ seed: Number(single), nodes });
      console.log(`seed ${single}: ${JSON.stringify(r)}`);
    });
    return;
  }
  it(`${seeds} seeds keep every invariant, elect a leader in bounded time and are not disrupted`, () => {
    const results: SimResult[] = [];
    for (let seed = 1; seed <= seeds; seed++) results.push(runSimulation({ seed, nodes }));
    const s = summarize(results);
    console.log(`raft sim ${nodes} nodes: ${JSON.stringify(s)}`);
    expect(s.acked).toBeGreaterThan(seeds); // the workload made progress, the runs were not vacuous
    expect(s.leaderAfterHealMaxMs).toBeLessThanOrEqual(LEADER_AFTER_HEAL_BOUND_MS);
    // The fault model is not thinner than it claims: loose floors on the fraction of seeds
    // that saw each fault (only meaningful over enough seeds; a short replay skips them).
    if (seeds < 100) return;
    expect(s.withConfChange).toBeGreaterThan(seeds * 0.85);
    expect(s.withConfProposalDuringCut).toBeGreaterThan(seeds * 0.3);
    expect(s.withOneWay).toBeGreaterThan(seeds * 0.2);
    expect(s.withBridge).toBeGreaterThan(seeds * 0.2);
    expect(s.withMajorityOutage).toBeGreaterThan(seeds * 0.3);
    expect(s.withPause).toBeGreaterThan(seeds * 0.3);
    expect(s.withCrashBeforeFsync).toBeGreaterThan(seeds * 0.2);
    expect(s.withLeaderGoneReport).toBeGreaterThan(seeds * 0.4); // followers of a crashed leader campaign early
    expect(s.withStraggler).toBeGreaterThan(seeds * 0.3);
  }, 600_000);
});

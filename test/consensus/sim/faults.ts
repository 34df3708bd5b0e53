// The fault model of one seed, drawn from the seed: every seed gets its own batch size,
// in-flight window, fault rates and clock skew, so 2,000 seeds cover 2,000 configurations.
import type { NodeId } from '../../../src/consensus/core/types.js';
import type { Rng } from '../../../src/lib/rng.js';
import { TICK_MS, type NodeTuning } from './cluster.js';
import type { NetworkFaults } from './network.js';

export interface FaultPlan {
  readonly network: NetworkFaults;
  readonly tuning: NodeTuning;
  /** Per-ms probabilities of the chaos events. */
  readonly partitionRate: number;
  readonly crashRate: number;
  /** Per leader Ready with early sends: crash after those sends, before the fsync. */
  readonly crashBeforeFsyncRate: number;
  readonly pauseRate: number;
  readonly membershipRate: number;
  /** When (if at all) a majority goes down together, and for how long. */
  readonly majorityOutage: { readonly at: number; readonly forMs: number } | null;
}

const between = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));

export function drawFaultPlan(rng: Rng, chaosMs: number): FaultPlan {
  const network: NetworkFaults = {
    dropRate: rng.next() * 0.15,
    duplicateRate: rng.next() * 0.05,
    maxDelay: between(rng, 2, 32),
  };
  // Skew: each node's tick period is TICK_MS ± 30%, fixed for the seed.
  const skew = rng.next() * 0.3;
  const salt = Math.floor(rng.next() * 0x7fff_ffff);
  const periods = new Map<NodeId, number>();
  const tuning: NodeTuning = {
    maxBatchEntries: between(rng, 1, 16),
    maxInflight: between(rng, 1, 8),
    readyRate: 0.3 + rng.next() * 0.7,
    tickMs: (id) => {
      let p = periods.get(id);
      if (p === undefined) {
        // Hash the id, not the rng: the period must not depend on when a node is first asked.
        const h = [...id].reduce((acc, ch) => Math.imul(acc ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0, salt);
        p = Math.max(1, Math.round(TICK_MS * (1 - skew + 2 * skew * ((h % 1000) / 999))));
        periods.set(id, p);
      }
      return p;
    },
  };
  const outage = rng.next() < 0.5 ? { at: between(rng, 300, chaosMs - 1200), forMs: between(rng, 100, 800) } : null;
  return {
    network, tuning,
    partitionRate: 0.0005 + rng.next() * 0.0015,
    crashRate: 0.0005 + rng.next() * 0.001,
    crashBeforeFsyncRate: rng.next() * 0.004,
    pauseRate: rng.next() * 0.001,
    membershipRate: 0.002 + rng.next() * 0.004,
    majorityOutage: outage,
  };
}

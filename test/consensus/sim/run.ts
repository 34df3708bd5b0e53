// One seeded simulation run: a per-seed fault model, clients, membership changes, then a
// quiet period in which the cluster must elect a leader in bounded time, stay undisturbed
// and converge. Any violation throws with the seed's replay command.
import { decodeConfChange } from '../../../src/consensus/core/conf.js';
import type { NodeId } from '../../../src/consensus/core/types.js';
import { seededRng } from '../../../src/lib/rng.js';
import { Chaos } from './chaos.js';
import { InvariantViolation } from './checker.js';
import { Cluster } from './cluster.js';
import { drawFaultPlan } from './faults.js';
import { checkConvergence, checkLinearizable, checkNoAckedWriteLost } from './final-checks.js';
import { LivenessMonitor, type LivenessFigures } from './liveness.js';
import type { NetworkFaults } from './network.js';
import { DEFAULT_WATCHDOG, Watchdog, type WatchdogLimits } from './watchdog.js';
import { Workload } from './workload.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly chaosMs?: number;
  readonly quietMs?: number;
  readonly tamper?: NetworkFaults['tamper'];
  readonly watchdog?: WatchdogLimits;
  /** Overrides the seed's rate of crashes between a send and its fsync (per Ready with early sends). */
  readonly crashBeforeFsyncRate?: number;
  /** Test-only sabotage: run the nodes without pre-vote or check-quorum, or send before fsync. */
  readonly protections?: { readonly preVote?: boolean; readonly checkQuorum?: boolean; readonly sendBeforeFsync?: boolean };
  /** Test-only sabotage: doctor the end state before the final checks (they must fail). */
  readonly beforeFinalChecks?: (world: { cluster: Cluster; workload: Workload }) => void;
}

export interface SimResult {
  readonly stats: Cluster['stats'] & Chaos['counts'] & { readonly confChanges: number };
  readonly liveness: LivenessFigures;
  readonly acked: number;
  readonly ops: number;
  readonly commit: number;
  readonly delivered: number;
  readonly work: number;
}

export const replayCommand = (seed: number, nodes: number): string =>
  `RAFT_SIM_SEED=${seed} RAFT_SIM_NODES=${nodes} npx vitest run test/consensus/sim.test.ts`;

export function runSimulation(opts: SimOptions): SimResult {
  const rng = seededRng(opts.seed);
  const chaosMs = opts.chaosMs ?? 3000;
  const quietMs = opts.quietMs ?? 2500;
  const drawn = drawFaultPlan(rng, chaosMs);
  const plan = opts.crashBeforeFsyncRate === undefined ? drawn : { ...drawn, crashBeforeFsyncRate: opts.crashBeforeFsyncRate };
  const faults: NetworkFaults = { ...plan.network, ...(opts.tamper ? { tamper: opts.tamper } : {}) };
  const watchdog = new Watchdog(opts.watchdog ?? DEFAULT_WATCHDOG);
  let confChanges = 0;
  const retireAt = new Map<NodeId, number>();

  const cluster: Cluster = new Cluster(rng, faults, {
    onApply: (node, e) => {
      workload.onApply(node, e);
      if (e.type !== 'confChange') return;
      const cc = decodeConfChange(e).change;
      if (node.id === cluster.leader()?.id && cc) confChanges++;
      // Let a removed node linger for a while: it must not disrupt the others.
      if (cc?.type === 'remove' && !retireAt.has(cc.node)) retireAt.set(cc.node, cluster.now + Math.floor(rng.next() * 500));
    },
    onReadState: (node, rs) => workload.onReadState(node, rs),
    onSnapshotRestore: (node) => workload.onNodeReset(node),
    onStop: (node) => workload.onNodeReset(node),
  }, watchdog, { ...plan.tuning, ...opts.protections });
  const workload: Workload = new Workload(rng, cluster, 3);
  const chaos = new Chaos(rng, cluster, plan, opts.nodes);
  const liveness = new LivenessMonitor(cluster, (n) => Math.floor(rng.next() * n));
  const initial = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
  for (const id of initial) cluster.spawn(id, initial);

  const retire = (): void => {
    for (const [id, at] of retireAt) {
      if (at <= cluster.now) {
        retireAt.delete(id);
        cluster.retire(cluster.nodes.get(id)!);
        chaos.forget(id);
      }
    }
  };

  try {
    while (cluster.now < chaosMs) {
      chaos.step();
      retire();
      workload.step(0.02);
      cluster.step();
    }
    chaos.end();
    cluster.net.faults = { ...faults, dropRate: 0, duplicateRate: 0, maxDelay: 5 };
    liveness.start();
    while (cluster.now < chaosMs + quietMs) {
      retire();
      // Clients stop in the last stretch so that followers can catch up with the final commit.
      workload.step(cluster.now < chaosMs + quietMs - 500 ? 0.02 : 0);
      cluster.step();
      liveness.step();
    }
    workload.finish();
    opts.beforeFinalChecks?.({ cluster, workload });
    checkConvergence(cluster);
    checkNoAckedWriteLost(cluster, workload.acked);
    checkLinearizable(workload.history);
    return {
      stats: { ...cluster.stats, ...chaos.counts, confChanges }, liveness: liveness.figures,
      acked: workload.acked.length, ops: workload.history.length, commit: cluster.leader()!.raft!.log.committed,
      delivered: cluster.net.delivered, work: watchdog.spent,
    };
  } catch (e) {
    throw new InvariantViolation(`seed ${opts.seed} (${opts.nodes} nodes) failed at t=${cluster.now}ms: ${(e as Error).message}\n` +
      `replay: ${replayCommand(opts.seed, opts.nodes)}`, { cause: e });
  }
}

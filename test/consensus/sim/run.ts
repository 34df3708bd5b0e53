// One seeded simulation run: faults, clients, membership changes, then a quiet period in
// which the cluster must converge. Any invariant violation throws.
import { decodeConfChange } from '../../../src/consensus/core/conf.js';
import type { NodeId } from '../../../src/consensus/core/types.js';
import { seededRng } from '../../../src/lib/rng.js';
import { checkKvHistory } from '../linearizability.js';
import { InvariantViolation } from './checker.js';
import { Cluster, type SimNode } from './cluster.js';
import type { NetworkFaults } from './network.js';
import { Workload, type AckedWrite } from './workload.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly chaosMs?: number;
  readonly quietMs?: number;
  readonly membership?: boolean;
  readonly tamper?: NetworkFaults['tamper'];
}

export interface SimResult {
  readonly stats: Cluster['stats'] & { readonly confChanges: number };
  readonly acked: number;
  readonly ops: number;
  readonly commit: number;
  readonly delivered: number;
}

export function runSimulation(opts: SimOptions): SimResult {
  const rng = seededRng(opts.seed);
  const chaosMs = opts.chaosMs ?? 3000;
  const quietMs = opts.quietMs ?? 2500;
  const membership = opts.membership ?? opts.seed % 3 === 0;
  const faults: NetworkFaults = { dropRate: rng.next() * 0.1, duplicateRate: 0.02, maxDelay: 2 + Math.floor(rng.next() * 30) };
  if (opts.tamper) faults.tamper = opts.tamper;
  let confChanges = 0;
  const restartAt = new Map<NodeId, number>();
  const retireAt = new Map<NodeId, number>();
  let healAt = 0;
  let nextId = opts.nodes + 1;

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
  });
  const workload: Workload = new Workload(rng, cluster, 3);
  const initial = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
  for (const id of initial) cluster.spawn(id, initial);

  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(rng.next() * xs.length)];
  const active = (): SimNode[] => [...cluster.nodes.values()].filter((n) => !n.retired);

  const changeMembership = (): void => {
    const leader = cluster.leader()?.raft;
    if (!leader) return;
    const { voters, learners } = leader.conf;
    const learner = learners[0];
    if (learner !== undefined) {
      leader.proposeConfChange({ type: 'promote', node: learner });
    } else if (voters.length > opts.nodes || (voters.length === opts.nodes && rng.next() < 0.5)) {
      leader.proposeConfChange({ type: 'remove', node: pick(voters)! });
    } else {
      const id = `n${nextId}`;
      if (leader.proposeConfChange({ type: 'addLearner', node: id }).ok) {
        nextId++;
        cluster.spawn(id, []);
      }
    }
    cluster.nodes.get(leader.id)!.dirty = true;
  };

  const chaos = (): void => {
    const now = cluster.now;
    for (const [id, at] of restartAt) {
      if (at <= now) {
        restartAt.delete(id);
        cluster.restart(cluster.nodes.get(id)!);
      }
    }
    if (healAt && healAt <= now) {
      healAt = 0;
      cluster.net.heal();
    }
    if (!cluster.net.isPartitioned() && rng.next() < 0.001) {
      const ids = active().map((n) => n.id);
      const side = ids.filter(() => rng.next() < 0.5);
      cluster.net.partition([side, ids.filter((id) => !side.includes(id))]);
      healAt = now + 100 + Math.floor(rng.next() * 1500);
    }
    if (rng.next() < 0.001 && restartAt.size < Math.floor((opts.nodes - 1) / 2)) {
      const victim = pick(cluster.live().filter((n) => !n.retired));
      if (victim) {
        cluster.crash(victim, rng.next() < 0.5);
        restartAt.set(victim.id, now + 20 + Math.floor(rng.next() * 1000));
      }
    }
    if (membership && rng.next() < 0.002) changeMembership();
  };

  const retire = (): void => {
    for (const [id, at] of retireAt) {
      if (at <= cluster.now) {
        retireAt.delete(id);
        const n = cluster.nodes.get(id)!;
        cluster.retire(n);
        restartAt.delete(id);
      }
    }
  };

  try {
    while (cluster.now < chaosMs) {
      chaos();
      retire();
      workload.step(0.02);
      cluster.step();
    }
    // Quiet period: everything heals and restarts; the cluster must converge.
    cluster.net.heal();
    cluster.net.faults = { ...faults, dropRate: 0, duplicateRate: 0, maxDelay: 5 };
    for (const id of restartAt.keys()) cluster.restart(cluster.nodes.get(id)!);
    restartAt.clear();
    while (cluster.now < chaosMs + quietMs) {
      retire();
      // Clients stop in the last stretch so that followers can catch up with the final commit.
      workload.step(cluster.now < chaosMs + quietMs - 500 ? 0.02 : 0);
      cluster.step();
    }
    workload.finish();
    checkConvergence(cluster, workload.acked);
    const bad = checkKvHistory(workload.history);
    if (bad.length > 0) throw new InvariantViolation(`history not linearizable for keys ${bad.join(',')}`);
    return { stats: { ...cluster.stats, confChanges }, acked: workload.acked.length, ops: workload.history.length, commit: cluster.leader()!.raft!.log.committed, delivered: cluster.net.delivered };
  } catch (e) {
    const how = `RAFT_SIM_SEED=${opts.seed} RAFT_SIM_NODES=${opts.nodes} npx vitest run test/consensus/sim.test.ts`;
    throw new InvariantViolation(`seed ${opts.seed} (${opts.nodes} nodes) failed at t=${cluster.now}ms: ${(e as Error).message}\nreplay: ${how}`, { cause: e });
  }
}

/** After the quiet period: one leader, every member caught up, identical state machines, acked writes applied. */
function checkConvergence(cluster: Cluster, acked: readonly AckedWrite[]): void {
  const leader = cluster.leader();
  if (!leader?.raft) throw new InvariantViolation('no leader after the quiet period');
  const commit = leader.raft.log.committed;
  for (const a of acked) {
    if (a.index > commit || cluster.checker.appliedAt(a.index) !== `${a.term}/normal:${a.text}`) {
      throw new InvariantViolation(`acknowledged write lost: ${a.text} at ${a.index}/${a.term}`);
    }
  }
  for (const id of [...leader.raft.conf.voters, ...leader.raft.conf.learners]) {
    const n = cluster.nodes.get(id);
    if (!n?.raft) throw new InvariantViolation(`member ${id} is not running`);
    if (n.appliedIndex !== commit) {
      const pr = leader.raft.progress.get(id);
      throw new InvariantViolation(`member ${id} applied ${n.appliedIndex}, leader committed ${commit}; ` +
        `member ${JSON.stringify(n.raft.status())} progress ${JSON.stringify(pr)}`);
    }
    if (n.kv.dump() !== leader.kv.dump()) throw new InvariantViolation(`member ${id} state differs from the leader's`);
  }
}

// The checks at the end of a seed: convergence (one leader, members caught up, identical
// state machines), no acknowledged write lost, and a linearizable client history.
import { checkKvHistory, type KvOp } from '../linearizability.js';
import { InvariantViolation } from './checker.js';
import type { Cluster } from './cluster.js';
import type { AckedWrite } from './workload.js';

export function checkNoAckedWriteLost(cluster: Cluster, acked: readonly AckedWrite[]): void {
  const commit = cluster.leader()?.raft?.log.committed ?? 0;
  for (const a of acked) {
    if (a.index > commit || cluster.checker.appliedAt(a.index) !== `${a.term}/normal:${a.text}`) {
      throw new InvariantViolation(`acknowledged write lost: ${a.text} at ${a.index}/${a.term}`);
    }
  }
}

/** After the quiet period: one leader, every member caught up, identical state machines. */
export function checkConvergence(cluster: Cluster): void {
  const leader = cluster.leader();
  if (!leader?.raft) throw new InvariantViolation('no leader after the quiet period');
  const commit = leader.raft.log.committed;
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

export function checkLinearizable(history: readonly KvOp[]): void {
  const bad = checkKvHistory(history);
  if (bad.length > 0) throw new InvariantViolation(`history not linearizable for keys ${bad.join(',')}`);
}

// Liveness and disruption in the quiet period. After the chaos everything heals: a leader
// must be elected within a bound. Once it is settled, one follower voter (the straggler) is
// cut off for longer than any election timeout and then rejoins. From the settled moment to
// the end, nobody's term may move past the leader's: the isolated straggler must not raise
// its term (pre-vote), and once back it must not depose the leader (check-quorum lease).
import type { NodeId } from '../../../src/consensus/core/types.js';
import { InvariantViolation } from './checker.js';
import { ELECTION_TICKS, TICK_MS, type Cluster, type SimNode } from './cluster.js';

/** Leader election after the heal, including a restart of every crashed node. */
export const LEADER_AFTER_HEAL_BOUND_MS = 1000;
/**
 * A leader elected before the heal may still step down at its next check-quorum round, which
 * looks back at a window that began before the heal. Two windows on the slowest clock later,
 * every leader still in place has been heard by a quorum since the heal.
 */
const SETTLE_MS = Math.ceil(2 * ELECTION_TICKS * TICK_MS * 1.3);
/** Longer than two randomized election timeouts on the fastest clock: time enough to campaign. */
const ISOLATION_MS = 500;

export interface LivenessFigures {
  /** ms from the heal to a leader that has committed an entry of its own term. */
  leaderAfterHealMs: number | null;
  /** The follower cut off and rejoined while the leader was settled (none if membership was in flux). */
  straggler: NodeId | null;
  /** Stable periods that ended because the leader removed itself (allowed). */
  leaderRemovals: number;
}

export class LivenessMonitor {
  readonly figures: LivenessFigures = { leaderAfterHealMs: null, straggler: null, leaderRemovals: 0 };
  private healedAt = 0;
  private stable: { id: NodeId; term: number; since: number } | null = null;
  private isolated: { node: SimNode; term: number; until: number } | null = null;

  constructor(private readonly cluster: Cluster, private readonly pickIndex: (n: number) => number) {}

  /** Call right after the heal. */
  start(): void {
    this.healedAt = this.cluster.now;
  }

  /** Call after every simulated ms of the quiet period. */
  step(): void {
    const c = this.cluster;
    const leader = this.establishedLeader();
    if (this.figures.leaderAfterHealMs === null) {
      if (leader) this.figures.leaderAfterHealMs = c.now - this.healedAt;
      else if (c.now - this.healedAt > LEADER_AFTER_HEAL_BOUND_MS) {
        throw new InvariantViolation(`liveness: no leader ${LEADER_AFTER_HEAL_BOUND_MS} ms after the network healed`);
      }
      return;
    }
    if (!this.stable) {
      this.maybeBeginStable(leader);
      return;
    }
    if (this.isolated) this.checkIsolated();
    this.checkStable();
    if (!this.stable) return;
    if (!this.isolated && this.figures.straggler === null && c.now >= this.stable.since + 50) this.isolateStraggler();
  }

  /** Nodes that start behind (restarted, new learners) only catch up; none may be ahead. */
  private maybeBeginStable(leader: SimNode | undefined): void {
    const c = this.cluster;
    const term = leader?.raft?.term;
    if (c.now < this.healedAt + SETTLE_MS || term === undefined) return;
    if (c.live().some((n) => n.raft!.term > term)) return;
    this.stable = { id: leader!.id, term, since: c.now };
  }

  /** No term past the leader's anywhere, unless the leader removed itself. */
  private checkStable(): void {
    const stable = this.stable!;
    const c = this.cluster;
    for (const n of c.live()) {
      if (n.raft!.term <= stable.term) continue;
      const old = c.nodes.get(stable.id)?.raft;
      if (!old || !old.conf.voters.includes(stable.id)) {
        this.figures.leaderRemovals++;
        this.stable = null;
        return;
      }
      throw new InvariantViolation(`disruption: ${n.id} is at term ${n.raft!.term} while ${stable.id} leads term ${stable.term} ` +
        `in a stable period (straggler ${this.figures.straggler ?? '-'}${this.isolated ? ', isolated' : ''})`);
    }
  }

  /**
   * Only while every running node agrees on the membership: otherwise the nodes left connected
   * may lack a quorum of the configuration that counts.
   */
  private isolateStraggler(): void {
    const c = this.cluster;
    const stable = this.stable!;
    const running = c.live().filter((n) => !n.retired);
    const confs = new Set(running.map((n) => JSON.stringify(n.raft!.conf)));
    const voters = c.nodes.get(stable.id)?.raft?.conf.voters ?? [];
    if (confs.size !== 1 || voters.length < 3) return;
    const followers = voters.filter((id) => id !== stable.id && c.nodes.get(id)?.raft);
    const id = followers[this.pickIndex(followers.length)];
    if (id === undefined) return;
    const node = c.nodes.get(id)!;
    this.figures.straggler = id;
    this.isolated = { node, term: node.raft!.term, until: c.now + ISOLATION_MS };
    c.net.partition([[id], [...c.nodes.keys()].filter((other) => other !== id)]);
  }

  private checkIsolated(): void {
    const iso = this.isolated!;
    const term = iso.node.raft?.term;
    if (term !== undefined && term !== iso.term) {
      throw new InvariantViolation(`pre-vote: isolated ${iso.node.id} moved from term ${iso.term} to ${term}`);
    }
    if (this.cluster.now >= iso.until && this.cluster.net.isPartitioned()) this.cluster.net.heal();
  }

  /** A leader that has committed an entry of its own term (so it can serve reads and conf changes). */
  private establishedLeader(): SimNode | undefined {
    const l = this.cluster.leader();
    const r = l?.raft;
    return r && r.log.term(r.log.committed) === r.term ? l : undefined;
  }
}

// The chaos period's events: cuts that always cut (splits, one-way links, bridges), minority
// crashes, one majority outage, pauses longer than an election timeout, membership changes
// (also while the network is cut).
import type { NodeId } from '../../../src/consensus/core/types.js';
import type { Rng } from '../../../src/lib/rng.js';
import { ELECTION_TICKS, TICK_MS, type Cluster, type SimNode } from './cluster.js';
import type { FaultPlan } from './faults.js';

/** Longer than the longest randomized election timeout of any node (2x ticks, slowest clock). */
const PAUSE_MIN_MS = Math.ceil(2 * ELECTION_TICKS * TICK_MS * 1.3) + 20;

export class Chaos {
  private readonly restartAt = new Map<NodeId, number>();
  private healAt = 0;
  private nextId: number;
  private outageDone = false;
  readonly counts = { splits: 0, oneWay: 0, bridges: 0, crashes: 0, majorityOutages: 0, pauses: 0, confProposals: 0, confProposalsDuringCut: 0 };

  constructor(private readonly rng: Rng, private readonly cluster: Cluster, private readonly plan: FaultPlan, private readonly size: number) {
    this.nextId = size + 1;
    cluster.crashBeforeFsync = (node) => this.crashBetweenSendAndFsync(node);
  }

  /** The node's early sends left; its fsync never happens (same minority limit as other crashes). */
  private crashBetweenSendAndFsync(node: SimNode): boolean {
    if (this.restartAt.size >= Math.floor((this.size - 1) / 2) || this.rng.next() >= this.plan.crashBeforeFsyncRate) return false;
    this.restartAt.set(node.id, this.cluster.now + 20 + Math.floor(this.rng.next() * 500));
    return true;
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs[Math.floor(this.rng.next() * xs.length)];
  }

  private active(): SimNode[] {
    return [...this.cluster.nodes.values()].filter((n) => !n.retired);
  }

  private shuffled(): NodeId[] {
    const ids = this.active().map((n) => n.id);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return ids;
  }

  step(): void {
    const now = this.cluster.now;
    for (const [id, at] of this.restartAt) {
      if (at <= now) {
        this.restartAt.delete(id);
        this.cluster.restart(this.cluster.nodes.get(id)!);
      }
    }
    if (this.healAt && this.healAt <= now) {
      this.healAt = 0;
      this.cluster.net.heal();
    }
    const r = this.rng;
    if (!this.cluster.net.isPartitioned() && r.next() < this.plan.partitionRate) this.cut();
    if (r.next() < this.plan.crashRate) this.crashMinorityNode();
    const outage = this.plan.majorityOutage;
    if (outage && !this.outageDone && now >= outage.at) this.majorityOutage(outage.forMs);
    if (r.next() < this.plan.pauseRate) this.pauseOne();
    if (r.next() < this.plan.membershipRate) this.changeMembership();
  }

  /** Every cut separates at least one pair of nodes (a random side may be empty otherwise). */
  private cut(): void {
    const ids = this.shuffled();
    if (ids.length < 2) return;
    const net = this.cluster.net;
    const k = 1 + Math.floor(this.rng.next() * (ids.length - 1)); // 1..n-1 on the first side
    const kind = this.rng.next();
    if (kind < 0.5) {
      net.partition([ids.slice(0, k), ids.slice(k)]);
      this.counts.splits++;
    } else if (kind < 0.75) {
      net.oneWay(ids.slice(0, k), ids.slice(k));
      this.counts.oneWay++;
    } else if (ids.length >= 3) {
      const bridge = ids[0]!;
      const rest = ids.slice(1);
      const j = 1 + Math.floor(this.rng.next() * (rest.length - 1));
      net.bridge(rest.slice(0, j), bridge, rest.slice(j));
      this.counts.bridges++;
    }
    this.healAt = this.cluster.now + 100 + Math.floor(this.rng.next() * 1500);
  }

  private crashMinorityNode(): void {
    if (this.restartAt.size >= Math.floor((this.size - 1) / 2)) return;
    const victim = this.pick(this.cluster.live().filter((n) => !n.retired));
    if (!victim) return;
    this.cluster.crash(victim, this.rng.next() < 0.5);
    this.restartAt.set(victim.id, this.cluster.now + 20 + Math.floor(this.rng.next() * 1000));
    this.counts.crashes++;
  }

  /** A majority of the running nodes crash together (hard), and all come back after `forMs`. */
  private majorityOutage(forMs: number): void {
    this.outageDone = true;
    const up = this.shuffled().filter((id) => this.cluster.nodes.get(id)!.raft);
    const victims = up.slice(0, Math.floor(up.length / 2) + 1);
    for (const id of victims) {
      this.cluster.crash(this.cluster.nodes.get(id)!, false);
      this.restartAt.set(id, this.cluster.now + forMs + Math.floor(this.rng.next() * 50));
    }
    this.counts.majorityOutages++;
  }

  private pauseOne(): void {
    const victim = this.pick(this.cluster.live().filter((n) => !n.retired && !this.cluster.isPaused(n)));
    if (!victim) return;
    // Often the leader: a frozen leader that wakes up still believing it leads is the stale-read case.
    const leader = this.cluster.leader();
    const node = leader && this.rng.next() < 0.5 ? leader : victim;
    this.cluster.pause(node, this.cluster.now + PAUSE_MIN_MS + Math.floor(this.rng.next() * 300));
    this.counts.pauses++;
  }

  private changeMembership(): void {
    const leaderNode = this.cluster.leader();
    const leader = leaderNode?.raft;
    if (!leaderNode || !leader || this.cluster.isPaused(leaderNode)) return;
    const { voters, learners } = leader.conf;
    const learner = learners[0];
    let ok: boolean;
    if (learner !== undefined) {
      ok = leader.proposeConfChange({ type: 'promote', node: learner }).ok;
    } else if (voters.length > this.size || (voters.length === this.size && this.rng.next() < 0.5)) {
      ok = leader.proposeConfChange({ type: 'remove', node: this.pick(voters)! }).ok;
    } else {
      const id = `n${this.nextId}`;
      ok = leader.proposeConfChange({ type: 'addLearner', node: id }).ok;
      if (ok) {
        this.nextId++;
        this.cluster.spawn(id, []);
      }
    }
    if (ok) this.counts.confProposals++;
    if (ok && this.cluster.net.isPartitioned()) this.counts.confProposalsDuringCut++;
    leaderNode.dirty = true;
  }

  /** End of chaos: heal, restart and resume everything; nothing is scheduled any more. */
  end(): void {
    this.cluster.crashBeforeFsync = null;
    this.cluster.net.heal();
    this.healAt = 0;
    for (const id of this.restartAt.keys()) this.cluster.restart(this.cluster.nodes.get(id)!);
    this.restartAt.clear();
    for (const n of this.cluster.nodes.values()) n.pausedUntil = 0;
  }

  /** A retired node must not come back. */
  forget(id: NodeId): void {
    this.restartAt.delete(id);
  }
}

// Nodes of the simulation: a RaftNode, its "disk" (MemoryStorage), its KV state machine.
import { RaftNode } from '../../../src/consensus/core/raft.js';
import type { Entry, Message, NodeId, ReadState } from '../../../src/consensus/core/types.js';
import type { Rng } from '../../../src/lib/rng.js';
import { SafetyChecker } from './checker.js';
import { Kv } from './kv.js';
import { planWrite } from './durability.js';
import { Network, type NetworkFaults } from './network.js';
import { PageCacheStorage } from './page-cache-storage.js';
import type { Watchdog } from './watchdog.js';

export const TICK_MS = 10;
export const ELECTION_TICKS = 10;

/** Per-seed knobs of the nodes themselves (the network's are in NetworkFaults). */
export interface NodeTuning {
  readonly maxBatchEntries: number;
  readonly maxInflight: number;
  /** Probability that a dirty node persists/sends its Ready in a given ms (models slow fsync). */
  readonly readyRate: number;
  /** Tick period per node in ms, around TICK_MS: clock skew between nodes. */
  readonly tickMs: (id: NodeId) => number;
  /** Test-only sabotage: turn a protection off to prove the liveness checks notice. */
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** Test-only sabotage: send every message before its write is fsynced. */
  readonly sendBeforeFsync?: boolean;
}

export const DEFAULT_TUNING: NodeTuning = { maxBatchEntries: 8, maxInflight: 4, readyRate: 0.8, tickMs: () => TICK_MS };

export interface SimNode {
  readonly id: NodeId;
  /** Initial members bootstrap with the initial voters; joiners start with none. */
  readonly bootstrapVoters: readonly NodeId[];
  readonly storage: PageCacheStorage;
  /** Term and vote as last fsynced (what the driver's ReadyWriter tracks). */
  synced: { term: number; vote: NodeId };
  raft: RaftNode | null;
  kv: Kv;
  /** Index of the last entry applied to kv. */
  appliedIndex: number;
  /** Shut down for good after its removal. */
  retired: boolean;
  /** Has unprocessed state (a Ready may be pending). */
  dirty: boolean;
  /** Simulated time of its next tick (each node's clock runs at its own rate). */
  nextTickAt: number;
  /** Frozen (a GC or VM pause) until this time: no ticks, no Ready, messages queue up. */
  pausedUntil: number;
  /** Messages that arrived while paused, delivered when it resumes. */
  backlog: Message[];
}

export interface ClusterHooks {
  onApply(node: SimNode, e: Entry): void;
  onReadState(node: SimNode, rs: ReadState): void;
  onSnapshotRestore(node: SimNode): void;
  onStop(node: SimNode): void;
}

export class Cluster {
  now = 0;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly net: Network;
  readonly checker = new SafetyChecker();
  compactEvery = 30;
  readonly stats = { crashes: 0, snapshotsInstalled: 0, compactions: 0, elections: 0, pauses: 0, crashesBeforeFsync: 0, leaderGoneReports: 0 };
  /**
   * Asked after a leader's early sends, before its write is fsynced: true crashes the node
   * right there (the chaos schedules its restart). Null outside the chaos period.
   */
  crashBeforeFsync: ((node: SimNode) => boolean) | null = null;

  constructor(
    private readonly rng: Rng, faults: NetworkFaults, private readonly hooks: ClusterHooks,
    private readonly watchdog: Watchdog, readonly tuning: NodeTuning = DEFAULT_TUNING,
  ) {
    this.net = new Network(rng, faults);
  }

  spawn(id: NodeId, bootstrapVoters: readonly NodeId[]): SimNode {
    const node: SimNode = {
      id, bootstrapVoters, storage: new PageCacheStorage(), synced: { term: 0, vote: '' }, raft: null, kv: new Kv(), appliedIndex: 0, retired: false, dirty: false,
      nextTickAt: 0, pausedUntil: 0, backlog: [],
    };
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  private start(node: SimNode): void {
    const persisted = node.storage.load();
    node.synced = { term: persisted.hardState.term, vote: persisted.hardState.vote };
    node.raft = new RaftNode({
      id: node.id, voters: node.bootstrapVoters, electionTicks: ELECTION_TICKS, heartbeatTicks: 2,
      randomInt: (n) => Math.floor(this.rng.next() * n), preVote: this.tuning.preVote ?? true, checkQuorum: this.tuning.checkQuorum ?? true,
      maxBatchEntries: this.tuning.maxBatchEntries, maxInflight: this.tuning.maxInflight,
    }, persisted);
    node.nextTickAt = this.now + this.tuning.tickMs(node.id);
    node.pausedUntil = 0;
    node.backlog = [];
    node.kv = new Kv();
    if (persisted.snapshot) node.kv.restore(persisted.snapshot.data);
    node.appliedIndex = persisted.snapshot?.index ?? 0;
    this.checker.resetApplied(node.id, persisted.snapshot);
    node.dirty = true;
  }

  /** A hard crash loses whatever the node has not fsynced yet; a clean stop flushes it first. */
  crash(node: SimNode, clean: boolean): void {
    if (!node.raft) return;
    if (clean) this.flush(node, false);
    if (clean) node.storage.fsync();
    else node.storage.crash();
    this.stats.crashes++;
    node.raft = null;
    node.dirty = false;
    node.backlog = [];
    this.hooks.onStop(node);
    // Its port now refuses connections: peers that can still reach it learn that it is gone
    // (the driver's RaftNode.leaderUnreachable; followers of it campaign early).
    for (const other of this.nodes.values()) {
      if (other === node || !other.raft || !this.net.canSend(other.id, node.id)) continue;
      if (other.raft.lead === node.id) this.stats.leaderGoneReports++;
      other.raft.leaderUnreachable(node.id);
      other.dirty = true;
    }
  }

  restart(node: SimNode): void {
    if (node.raft || node.retired) return;
    this.start(node);
  }

  retire(node: SimNode): void {
    this.crash(node, true);
    node.retired = true;
  }

  /** Freezes a running node: its clock, its Ready loop and its inbox stop until `until`. */
  pause(node: SimNode, until: number): void {
    if (!node.raft) return;
    node.pausedUntil = until;
    this.stats.pauses++;
  }

  isPaused(node: SimNode): boolean {
    return node.pausedUntil > this.now;
  }

  live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raft !== null);
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.live()) if (n.raft!.role === 'leader' && (!best || n.raft!.term > best.raft!.term)) best = n;
    return best;
  }

  /** Advances the simulated clock by one millisecond. */
  step(): void {
    this.now++;
    this.watchdog.spend('step');
    const running = this.live().filter((n) => !this.isPaused(n));
    for (const n of running) {
      if (n.backlog.length > 0) this.deliver(n, n.backlog.splice(0));
      if (this.now >= n.nextTickAt) {
        // A resumed node's clock jumps: one tick, not the ticks it slept through (as a timer would).
        n.nextTickAt = Math.max(n.nextTickAt + this.tuning.tickMs(n.id), this.now + 1);
        n.raft!.tick();
        n.dirty = true;
      }
    }
    for (const m of this.net.due(this.now)) {
      const n = this.nodes.get(m.to);
      if (!n?.raft) continue;
      if (this.isPaused(n)) n.backlog.push(m);
      else this.deliver(n, [m]);
    }
    for (const n of running) {
      if (!n.raft) continue;
      if (n.dirty && this.rng.next() < this.tuning.readyRate) this.flush(n);
      if (n.raft) this.checker.checkLeader(n.raft); // flush may have crashed it
    }
  }

  private deliver(n: SimNode, msgs: readonly Message[]): void {
    for (const m of msgs) {
      this.watchdog.spend(`deliver ${m.type} ${m.from}->${m.to}`);
      n.raft!.step(m);
    }
    n.dirty = true;
  }

  /** Runs the Ready cycle until the node is quiescent: persist, send, apply, advance. */
  flush(node: SimNode, mayCrash = true): void {
    const raft = node.raft;
    if (!raft) return;
    for (let rd = raft.ready(); rd; rd = raft.ready()) {
      this.watchdog.spend(`ready on ${node.id}`);
      this.checker.checkNewEntries(raft, rd.entries);
      if (raft.role === 'leader' && rd.hardState) this.checker.noteCommit(raft.term, rd.hardState.commit);
      const plan = planWrite(rd, raft.role, node.synced, this.tuning.sendBeforeFsync);
      for (const m of plan.early) this.net.send(m, this.now);
      if (mayCrash && plan.early.length > 0 && this.crashBeforeFsync?.(node)) {
        this.stats.crashesBeforeFsync++;
        this.crash(node, false);
        return;
      }
      node.storage.write(rd);
      if (plan.fsync) node.storage.fsync();
      if (rd.hardState) node.synced = { term: rd.hardState.term, vote: rd.hardState.vote };
      for (const m of plan.after) this.net.send(m, this.now);
      if (rd.snapshot) {
        node.kv.restore(rd.snapshot.data);
        node.appliedIndex = rd.snapshot.index;
        this.checker.resetApplied(node.id, rd.snapshot);
        this.hooks.onSnapshotRestore(node);
        this.stats.snapshotsInstalled++;
      }
      for (const e of rd.committedEntries) {
        this.checker.checkApply(node.id, e);
        node.kv.apply(e);
        node.appliedIndex = e.index;
        this.hooks.onApply(node, e);
      }
      raft.advance(rd);
      if (rd.softState?.role === 'leader') this.stats.elections++;
      for (const rs of rd.readStates) this.hooks.onReadState(node, rs);
      this.checker.checkLeader(raft);
      this.maybeCompact(node);
    }
    node.dirty = false;
  }

  private maybeCompact(node: SimNode): void {
    const log = node.raft!.log;
    if (log.applied - log.snapshot.index < this.compactEvery || this.rng.next() < 0.5) return;
    const data = node.kv.snapshot();
    const res = node.raft!.compact(log.applied, data);
    if (res.ok) this.stats.compactions++;
    if (res.ok) this.checker.checkImage(node.id, { ...log.snapshot, data });
  }
}

// Nodes of the simulation: a RaftNode, its "disk" (MemoryStorage), its KV state machine.
import { RaftNode } from '../../../src/consensus/core/raft.js';
import type { Entry, NodeId, ReadState } from '../../../src/consensus/core/types.js';
import { MemoryStorage } from '../../../src/consensus/storage.js';
import type { Rng } from '../../../src/lib/rng.js';
import { SafetyChecker } from './checker.js';
import { Kv } from './kv.js';
import { Network, type NetworkFaults } from './network.js';

export const TICK_MS = 10;

export interface SimNode {
  readonly id: NodeId;
  /** Initial members bootstrap with the initial voters; joiners start with none. */
  readonly bootstrapVoters: readonly NodeId[];
  readonly storage: MemoryStorage;
  raft: RaftNode | null;
  kv: Kv;
  /** Index of the last entry applied to kv. */
  appliedIndex: number;
  /** Shut down for good after its removal. */
  retired: boolean;
  /** Has unprocessed state (a Ready may be pending). */
  dirty: boolean;
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
  /** Probability that a dirty node persists/sends its Ready in a given ms (models slow fsync). */
  readyRate = 0.8;
  compactEvery = 30;
  readonly stats = { crashes: 0, snapshotsInstalled: 0, compactions: 0, elections: 0 };

  constructor(private readonly rng: Rng, faults: NetworkFaults, private readonly hooks: ClusterHooks) {
    this.net = new Network(rng, faults);
  }

  spawn(id: NodeId, bootstrapVoters: readonly NodeId[]): SimNode {
    const node: SimNode = { id, bootstrapVoters, storage: new MemoryStorage(), raft: null, kv: new Kv(), appliedIndex: 0, retired: false, dirty: false };
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  private start(node: SimNode): void {
    const persisted = node.storage.load();
    node.raft = new RaftNode({
      id: node.id, voters: node.bootstrapVoters, electionTicks: 10, heartbeatTicks: 2,
      randomInt: (n) => Math.floor(this.rng.next() * n), preVote: true, checkQuorum: true, maxBatchEntries: 8, maxInflight: 4,
    }, persisted);
    node.kv = new Kv();
    if (persisted.snapshot) node.kv.restore(persisted.snapshot.data);
    node.appliedIndex = persisted.snapshot?.index ?? 0;
    this.checker.resetApplied(node.id, persisted.snapshot);
    node.dirty = true;
  }

  /** A hard crash loses whatever the node has not persisted yet; a clean stop flushes it first. */
  crash(node: SimNode, clean: boolean): void {
    if (!node.raft) return;
    if (clean) this.flush(node);
    this.stats.crashes++;
    node.raft = null;
    node.dirty = false;
    this.hooks.onStop(node);
  }

  restart(node: SimNode): void {
    if (node.raft || node.retired) return;
    this.start(node);
  }

  retire(node: SimNode): void {
    this.crash(node, true);
    node.retired = true;
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
    if (this.now % TICK_MS === 0) {
      for (const n of this.live()) {
        n.raft!.tick();
        n.dirty = true;
      }
    }
    for (const m of this.net.due(this.now)) {
      const n = this.nodes.get(m.to);
      if (!n?.raft) continue;
      n.raft.step(m);
      n.dirty = true;
    }
    for (const n of this.live()) {
      if (n.dirty && this.rng.next() < this.readyRate) this.flush(n);
      this.checker.checkLeader(n.raft!);
    }
  }

  /** Runs the Ready cycle until the node is quiescent: persist, send, apply, advance. */
  flush(node: SimNode): void {
    const raft = node.raft;
    if (!raft) return;
    for (let rd = raft.ready(); rd; rd = raft.ready()) {
      this.checker.checkNewEntries(raft, rd.entries);
      node.storage.save(rd);
      for (const m of rd.messages) this.net.send(m, this.now);
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

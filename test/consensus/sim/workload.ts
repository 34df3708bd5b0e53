// Simulated clients: writes through propose(), linearizable reads through readIndex().
// Every completed operation is recorded with invoke/return times on the simulated clock.
import type { Entry, NodeId, ReadState } from '../../../src/consensus/core/types.js';
import type { Rng } from '../../../src/lib/rng.js';
import { UNKNOWN_RETURN, type KvOp } from '../linearizability.js';
import type { Cluster, SimNode } from './cluster.js';
import { encodePut, entryText } from './kv.js';

const KEYS = ['x', 'y', 'z'];
const TIMEOUT_MS = 600;

type Pending =
  | { kind: 'write'; node: NodeId; key: string; value: string; call: number; index: number; term: number }
  | { kind: 'read'; node: NodeId; key: string; call: number; context: string; index: number | null };

/** A write acknowledged to its client: it must never be lost. */
export interface AckedWrite {
  readonly index: number;
  readonly term: number;
  readonly text: string;
}

export class Workload {
  readonly history: KvOp[] = [];
  readonly acked: AckedWrite[] = [];
  private readonly pending = new Map<number, Pending>(); // by client
  private readonly leaderHint = new Map<number, NodeId>();
  private seq = 0;

  constructor(private readonly rng: Rng, private readonly cluster: Cluster, private readonly clients: number) {}

  /** Called each ms: idle clients start an operation with some probability; stuck ones time out. */
  step(startRate: number): void {
    const now = this.cluster.now;
    for (let c = 0; c < this.clients; c++) {
      const p = this.pending.get(c);
      if (p) {
        if (now - p.call > TIMEOUT_MS) this.giveUp(c, p);
      } else if (this.rng.next() < startRate) {
        this.start(c);
      }
    }
  }

  private start(c: number): void {
    // A paused process cannot take calls: clients only reach running, unpaused nodes.
    const live = this.cluster.live().filter((n) => !n.retired && !this.cluster.isPaused(n));
    const hinted = this.cluster.nodes.get(this.leaderHint.get(c) ?? '');
    const node = hinted?.raft && !this.cluster.isPaused(hinted) ? hinted : live[Math.floor(this.rng.next() * live.length)];
    if (!node?.raft) return;
    const key = KEYS[Math.floor(this.rng.next() * KEYS.length)]!;
    const now = this.cluster.now;
    this.seq++;
    if (this.rng.next() < 0.5) {
      const value = `c${c}-${this.seq}`;
      const res = node.raft.propose(encodePut({ key, value }));
      if (!res.ok) return this.redirect(c, res.leader);
      this.pending.set(c, { kind: 'write', node: node.id, key, value, call: now, index: res.index, term: res.term });
    } else {
      const context = `r${c}-${this.seq}`;
      const res = node.raft.readIndex(context);
      if (!res.ok) return this.redirect(c, res.leader);
      this.pending.set(c, { kind: 'read', node: node.id, key, call: now, context, index: null });
    }
    node.dirty = true;
  }

  private redirect(c: number, leader: NodeId): void {
    if (leader) this.leaderHint.set(c, leader);
    else this.leaderHint.delete(c);
  }

  /** A timed-out write may still take effect later; a timed-out read has no effect at all. */
  private giveUp(c: number, p: Pending): void {
    this.pending.delete(c);
    this.leaderHint.delete(c);
    if (p.kind === 'write') this.history.push({ kind: 'write', key: p.key, value: p.value, call: p.call, ret: UNKNOWN_RETURN });
  }

  onApply(node: SimNode, e: Entry): void {
    for (const [c, p] of this.pending) {
      if (p.node !== node.id) continue;
      if (p.kind === 'write' && p.index === e.index) {
        if (e.term !== p.term) {
          this.giveUp(c, p); // overwritten on this node: outcome unknown to the client
          continue;
        }
        this.pending.delete(c);
        this.history.push({ kind: 'write', key: p.key, value: p.value, call: p.call, ret: this.cluster.now });
        this.acked.push({ index: e.index, term: e.term, text: entryText(e) });
      } else if (p.kind === 'read') {
        this.maybeFinishRead(c, p, node);
      }
    }
  }

  onReadState(node: SimNode, rs: ReadState): void {
    for (const [c, p] of this.pending) {
      if (p.kind !== 'read' || p.node !== node.id || p.context !== rs.context) continue;
      p.index = rs.index;
      this.maybeFinishRead(c, p, node);
    }
  }

  private maybeFinishRead(c: number, p: Extract<Pending, { kind: 'read' }>, node: SimNode): void {
    if (p.index === null || !node.raft || node.appliedIndex < p.index) return;
    this.pending.delete(c);
    this.history.push({ kind: 'read', key: p.key, value: node.kv.get(p.key), call: p.call, ret: this.cluster.now });
  }

  /** The node lost its volatile state (crash, or state replaced by a snapshot). */
  onNodeReset(node: SimNode): void {
    for (const [c, p] of this.pending) {
      if (p.node === node.id) this.giveUp(c, p);
    }
  }

  /** At the end: whatever is still pending is of unknown outcome. */
  finish(): void {
    for (const [c, p] of [...this.pending]) this.giveUp(c, p);
  }
}

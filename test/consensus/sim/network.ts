// Simulated network: per-message delay (hence reordering), loss, duplication, partitions.
import type { Message, NodeId } from '../../../src/consensus/core/types.js';
import type { Rng } from '../../../src/lib/rng.js';

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  /** Delivery takes 1..maxDelay ms. */
  maxDelay: number;
  /** Test-only sabotage: rewrite messages in flight (proves the checkers can fail). */
  tamper?: (m: Message) => Message;
}

export class Network {
  /** Messages bucketed by delivery time. */
  private readonly buckets = new Map<number, Message[]>();
  /** Group number per node; nodes in different groups cannot talk. Absent = group 0. */
  private groups = new Map<NodeId, number>();
  delivered = 0;

  constructor(private readonly rng: Rng, public faults: NetworkFaults) {}

  send(m: Message, now: number): void {
    if (this.rng.next() < this.faults.dropRate) return;
    if (this.faults.tamper) m = this.faults.tamper(m);
    const copies = this.rng.next() < this.faults.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = now + 1 + Math.floor(this.rng.next() * this.faults.maxDelay);
      const bucket = this.buckets.get(at);
      if (bucket) bucket.push(m);
      else this.buckets.set(at, [m]);
    }
  }

  /** Messages due at `now` that may cross the current partition, in shuffled order. */
  due(now: number): Message[] {
    const bucket = this.buckets.get(now);
    if (!bucket) return [];
    this.buckets.delete(now);
    for (let i = bucket.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      [bucket[i], bucket[j]] = [bucket[j]!, bucket[i]!];
    }
    const out = bucket.filter((m) => this.connected(m.from, m.to));
    this.delivered += out.length;
    return out;
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.groups.get(a) ?? 0) === (this.groups.get(b) ?? 0);
  }

  partition(groups: readonly (readonly NodeId[])[]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups.set(id, i)));
  }

  heal(): void {
    this.groups = new Map();
  }

  isPartitioned(): boolean {
    return this.groups.size > 0;
  }
}

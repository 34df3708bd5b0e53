// Simulated network: per-message delay (hence reordering), loss, duplication, and cuts.
// Cuts are directed links, so one-way links and bridge partitions are expressible as well
// as plain splits.
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

/** How the current cut was made; reported in failures and used by the liveness checks. */
export type CutKind = 'split' | 'one-way' | 'bridge';

const link = (from: NodeId, to: NodeId): string => `${from}>${to}`;

export class Network {
  /** Messages bucketed by delivery time. */
  private readonly buckets = new Map<number, Message[]>();
  /** Directed links that drop everything ("a>b": a cannot reach b). */
  private cuts = new Set<string>();
  cutKind: CutKind | null = null;
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

  /** Messages due at `now` that may cross the current cuts, in shuffled order. */
  due(now: number): Message[] {
    const bucket = this.buckets.get(now);
    if (!bucket) return [];
    this.buckets.delete(now);
    for (let i = bucket.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      [bucket[i], bucket[j]] = [bucket[j]!, bucket[i]!];
    }
    const out = bucket.filter((m) => this.canSend(m.from, m.to));
    this.delivered += out.length;
    return out;
  }

  canSend(from: NodeId, to: NodeId): boolean {
    return !this.cuts.has(link(from, to));
  }

  /** Symmetric split into groups; nodes not listed can talk to everyone. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.cuts = new Set();
    this.cutKind = 'split';
    groups.forEach((g, i) => groups.forEach((h, j) => {
      if (i !== j) for (const a of g) for (const b of h) this.cuts.add(link(a, b));
    }));
  }

  /** `from` nodes cannot reach `to` nodes; the reverse direction still works. */
  oneWay(from: readonly NodeId[], to: readonly NodeId[]): void {
    this.cuts = new Set();
    this.cutKind = 'one-way';
    for (const a of from) for (const b of to) this.cuts.add(link(a, b));
  }

  /** `left` and `right` cannot talk to each other; `bridge` talks to both. */
  bridge(left: readonly NodeId[], bridge: NodeId, right: readonly NodeId[]): void {
    this.partition([left, right]);
    this.cutKind = 'bridge';
    void bridge; // not listed in either group, so all its links stay up
  }

  heal(): void {
    this.cuts = new Set();
    this.cutKind = null;
  }

  isPartitioned(): boolean {
    return this.cuts.size > 0;
  }

  /** Some message between two of `ids` is being dropped. */
  cutsAny(ids: readonly NodeId[]): boolean {
    return ids.some((a) => ids.some((b) => a !== b && !this.canSend(a, b)));
  }
}

import type { Resources } from '../../domain/resources.js';
import { DRF_KINDS } from './drf.js';

// A DRF sorter (Mesos src/master/allocator/mesos/sorter): clients ordered by weighted
// dominant share, then allocation count, then name — a total order. Kept sorted
// incrementally: allocating to one client only marks it, and the next sorted() moves the
// marked clients to their places. So the order a walk iterates is never copied (at 10,000
// agents a copy per agent was most of a cycle's garbage) and never changes under it.

export interface SorterClient {
  readonly name: string;
  /** What the client holds of each DRF kind (cpus, mem, disk, gpus): the share needs no more. */
  allocated: number[];
  weight: number;
  allocations: number;
  share: number;
}

/** Amounts of the DRF kinds, in DRF_KINDS order. */
export const drfVector = (r: Resources): number[] => DRF_KINDS.map((k) => r.scalar(k));

export class DrfSorter {
  private readonly order: SorterClient[] = [];
  private readonly byName = new Map<string, SorterClient>();
  /** Clients whose share changed since the order was last put right, with the key they are sorted under. */
  private readonly moved = new Map<SorterClient, SortKey>();

  private readonly total: number[];

  constructor(total: Resources) {
    this.total = drfVector(total);
  }

  add(name: string, allocated: Resources, weight = 1): void {
    this.settle();
    const c: SorterClient = { name, allocated: drfVector(allocated), weight: weight > 0 ? weight : 1, allocations: 0, share: 0 };
    c.share = this.shareOf(c);
    this.byName.set(name, c);
    this.order.splice(this.position(c), 0, c);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Clients in allocation order (lowest share first). Allocating while iterating is safe: the
   * order moves at the next sorted() only, so one iteration at a time per sorter.
   */
  sorted(): readonly SorterClient[] {
    this.settle();
    return this.order;
  }

  get(name: string): SorterClient | undefined {
    return this.byName.get(name);
  }

  allocate(name: string, r: Resources): void {
    this.allocateVector(name, drfVector(r));
  }

  /** allocate() with the amounts already as a DRF vector (the role tree computes it once). */
  allocateVector(name: string, amounts: readonly number[]): void {
    const c = this.byName.get(name);
    if (!c) return;
    if (!this.moved.has(c)) this.moved.set(c, { name: c.name, share: c.share, allocations: c.allocations });
    for (let i = 0; i < amounts.length; i++) c.allocated[i]! += amounts[i]!;
    c.allocations++;
    c.share = this.shareOf(c);
  }

  /** Puts the moved clients where their new share belongs. */
  private settle(): void {
    if (this.moved.size === 0) return;
    const [first] = this.moved;
    if (this.moved.size === 1 && compare(first![0], first![1]) > 0) {
      // The usual case (one offer per agent): the key grew, so the client moves towards the
      // end; one shift of the clients it passes.
      const [c, was] = first!;
      this.moved.clear();
      const from = this.position(was);
      let to = from + 1;
      let hi = this.order.length;
      while (to < hi) {
        const mid = (to + hi) >>> 1;
        if (compare(this.order[mid]!, c) < 0) to = mid + 1;
        else hi = mid;
      }
      // A plain loop: Array.prototype.copyWithin takes V8's generic path on ordinary arrays (10x slower).
      for (let i = from; i < to - 1; i++) this.order[i] = this.order[i + 1]!;
      this.order[to - 1] = c;
      return;
    }
    let kept = 0;
    for (const c of this.order) if (!this.moved.has(c)) this.order[kept++] = c;
    this.order.length = kept;
    const moved = [...this.moved.keys()];
    this.moved.clear();
    for (const c of moved) this.order.splice(this.position(c), 0, c);
  }

  /** Weighted dominant share (Mesos DRFSorter::calculateShare). */
  private shareOf(c: SorterClient): number {
    let share = 0;
    for (let i = 0; i < this.total.length; i++) {
      const t = this.total[i]!;
      if (t > 0) share = Math.max(share, c.allocated[i]! / t);
    }
    return share / c.weight;
  }

  /** Binary search for where a key belongs (the order is settled). */
  private position(c: SortKey): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.order[mid]!, c) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

type SortKey = Pick<SorterClient, 'name' | 'share' | 'allocations'>;

/** Lowest weighted share first, then fewest allocations, then name. */
export function compare(a: SortKey, b: SortKey): number {
  if (a.share !== b.share) return a.share - b.share;
  if (a.allocations !== b.allocations) return a.allocations - b.allocations;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

import type { Resources } from '../../domain/resources.js';
import { DRF_KINDS } from './drf.js';

// A DRF sorter (Mesos src/master/allocator/mesos/sorter): clients ordered by weighted
// dominant share, then allocation count, then name — a total order. Kept sorted
// incrementally: allocating to one client moves only that client, so a whole cycle over
// 10,000 agents costs one re-insertion per offer instead of a sort per agent.

export interface SorterClient {
  readonly name: string;
  /** What the client holds of each DRF kind (cpus, mem, disk, gpus): the share needs no more. */
  allocated: number[];
  weight: number;
  allocations: number;
  share: number;
}

const vector = (r: Resources): number[] => DRF_KINDS.map((k) => r.scalar(k));

export class DrfSorter {
  private readonly order: SorterClient[] = [];
  private readonly byName = new Map<string, SorterClient>();

  private readonly total: number[];

  constructor(total: Resources) {
    this.total = vector(total);
  }

  add(name: string, allocated: Resources, weight = 1): void {
    const c: SorterClient = { name, allocated: vector(allocated), weight: weight > 0 ? weight : 1, allocations: 0, share: 0 };
    c.share = this.shareOf(c);
    this.byName.set(name, c);
    this.order.splice(this.position(c), 0, c);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Clients in allocation order (lowest share first). A copy: safe to allocate while iterating. */
  sorted(): readonly SorterClient[] {
    return [...this.order];
  }

  get(name: string): SorterClient | undefined {
    return this.byName.get(name);
  }

  allocate(name: string, r: Resources): void {
    const c = this.byName.get(name);
    if (!c) return;
    this.order.splice(this.indexOf(c), 1);
    for (let i = 0; i < DRF_KINDS.length; i++) c.allocated[i]! += r.scalar(DRF_KINDS[i]!);
    c.allocations++;
    c.share = this.shareOf(c);
    this.order.splice(this.position(c), 0, c);
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

  private indexOf(c: SorterClient): number {
    const i = this.position(c);
    // position() lands on c itself (equal keys cannot exist: names are unique).
    return this.order[i] === c ? i : this.order.indexOf(c);
  }

  /** Binary search for where `c` belongs. */
  private position(c: SorterClient): number {
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

/** Lowest weighted share first, then fewest allocations, then name. */
export function compare(a: SorterClient, b: SorterClient): number {
  if (a.share !== b.share) return a.share - b.share;
  if (a.allocations !== b.allocations) return a.allocations - b.allocations;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

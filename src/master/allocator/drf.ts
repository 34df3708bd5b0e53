import type { Resources } from '../../domain/resources.js';

export const DRF_KINDS = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** Dominant share of `allocated` against the cluster `total` (0 when nothing is known). */
export function dominantShare(allocated: Resources, total: Resources): number {
  let share = 0;
  for (const kind of DRF_KINDS) {
    const t = total.scalar(kind);
    if (t > 0) share = Math.max(share, allocated.scalar(kind) / t);
  }
  return share;
}

export interface DrfClient {
  id: string;
  share: number;
  allocations: number;
}

/** Total order (Mesos sorter): lowest share first, then fewest allocations, then id. */
export function drfCompare(a: DrfClient, b: DrfClient): number {
  if (a.share !== b.share) return a.share - b.share;
  if (a.allocations !== b.allocations) return a.allocations - b.allocations;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

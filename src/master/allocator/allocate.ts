import { Resources } from '../../domain/resources.js';
import { dominantShare, drfCompare } from './drf.js';

// Pure allocation: state in, offers out. No I/O, no clock (filters carry their expiry,
// `now` is a parameter), no iteration-order dependence.

export interface AllocAgent {
  id: string;
  /** Unallocated, unoffered resources. */
  available: Resources;
}

export interface AllocFramework {
  id: string;
  roles: string[];
  suppressedRoles: ReadonlySet<string>;
  allocated: Resources;
  filters: readonly { agentId: string; resources: Resources; until: number }[];
}

export interface OfferDecision {
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resources;
}

/** Mesos default `--min_allocatable_resources`: cpus:0.01 | mem:32. */
export function isAllocatable(r: Resources): boolean {
  return r.scalar('cpus') >= 0.01 || r.scalar('mem') >= 32;
}

/** Resources usable by `role`: unreserved (`*`) plus those reserved to that role. */
export function forRole(r: Resources, role: string): Resources {
  return Resources.of(r.toArray().filter((x) => x.role === '*' || x.role === role));
}

export function allocate(agents: readonly AllocAgent[], frameworks: readonly AllocFramework[], clusterTotal: Resources, now: number): OfferDecision[] {
  const decisions: OfferDecision[] = [];
  const allocated = new Map(frameworks.map((f) => [f.id, f.allocated] as const));
  const counts = new Map<string, number>(frameworks.map((f) => [f.id, 0]));
  const sortedAgents = [...agents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const agent of sortedAgents) {
    let remaining = agent.available;
    // Shares computed once per agent, not once per comparison.
    const clients = new Map(frameworks.map((f) => [f.id, { id: f.id, share: dominantShare(allocated.get(f.id)!, clusterTotal), allocations: counts.get(f.id)! }]));
    const order = [...frameworks].sort((a, b) => drfCompare(clients.get(a.id)!, clients.get(b.id)!));
    for (const fw of order) {
      for (const role of [...fw.roles].sort()) {
        if (fw.suppressedRoles.has(role)) continue;
        const candidate = forRole(remaining, role);
        if (candidate.isEmpty() || !isAllocatable(candidate)) continue;
        const filtered = fw.filters.some((f) => f.agentId === agent.id && f.until > now && f.resources.contains(candidate));
        if (filtered) continue;
        decisions.push({ frameworkId: fw.id, agentId: agent.id, role, resources: candidate });
        remaining = remaining.subtract(candidate);
        allocated.set(fw.id, allocated.get(fw.id)!.add(candidate));
        counts.set(fw.id, counts.get(fw.id)! + 1);
      }
    }
  }
  return decisions;
}

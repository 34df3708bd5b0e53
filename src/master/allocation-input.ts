import { Resources, type Resource } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import type { AllocAgent, AllocFramework, AllocationInput } from './allocator/allocate.js';
import type { RoleQuota } from './allocator/quota.js';
import type { MasterStateView, OfferFilter } from './state.js';
import { hasCapability } from '../wire/mesos.js';
import type { ResourceQuantities } from '../domain/min-allocatable.js';
import { frameworkMinAllocatable } from './framework-info.js';

// The allocator's snapshot of master state, built in one pass over tasks and offers (a cycle
// at 10,000 agents and 100,000 tasks must not walk the tasks once per framework or agent).

class Sums {
  private readonly lists = new Map<string, Resource[]>();
  add(key: string, r: Resources): void {
    if (r.isEmpty()) return;
    const l = this.lists.get(key);
    if (l) l.push(...r.toArray());
    else this.lists.set(key, r.toArray());
  }
  get(key: string): Resources {
    const l = this.lists.get(key);
    return l ? Resources.of(l) : Resources.empty();
  }
  keys(): IterableIterator<string> {
    return this.lists.keys();
  }
}

export function allocationInput(
  state: MasterStateView,
  filters: ReadonlyMap<string, readonly OfferFilter[]>,
  roles: { weights: ReadonlyMap<string, number>; quotas: ReadonlyMap<string, RoleQuota> },
  now: number,
  minAllocatable?: readonly ResourceQuantities[],
): AllocationInput {
  const byAgent = new Sums();
  const byFrameworkRole = new Sums();
  const byRole = new Sums();
  const key = (fw: string, role: string): string => `${fw}\u0000${role}`;
  for (const fw of state.frameworks.values()) {
    for (const t of fw.tasks.values()) {
      if (isTerminal(t.state)) continue;
      byAgent.add(t.agentId, t.resources);
      byFrameworkRole.add(key(fw.id, t.role), t.resources);
      byRole.add(t.role, t.resources);
    }
  }
  for (const o of state.offers.values()) {
    byAgent.add(o.agentId, o.resources);
    byFrameworkRole.add(key(o.frameworkId, o.role), o.resources);
    byRole.add(o.role, o.resources);
  }
  let total = Resources.empty();
  const agents: AllocAgent[] = [];
  for (const a of state.agents.values()) {
    total = total.add(a.total);
    // Deactivated agents (DEACTIVATE_AGENT, draining) keep their tasks but get no offers.
    if (a.connection !== null && !a.deactivated) agents.push({ id: a.record.id, available: a.total.subtract(byAgent.get(a.record.id)), hasGpus: a.total.scalar('gpus') > 0 });
  }
  const frameworks: AllocFramework[] = [];
  for (const f of state.frameworks.values()) {
    if (!f.active || f.stream === null) continue;
    frameworks.push({
      id: f.id,
      roles: f.roles,
      suppressedRoles: f.suppressedRoles,
      allocated: new Map(f.roles.map((r) => [r, byFrameworkRole.get(key(f.id, r))])),
      filters: (filters.get(f.id) ?? []).filter((x) => x.until > now),
      gpuAware: hasCapability(f.info, 'GPU_RESOURCES'),
      refinementAware: hasCapability(f.info, 'RESERVATION_REFINEMENT'),
      ...(f.info.offer_filters !== undefined ? { minAllocatable: frameworkMinAllocatable(f.info) } : {}),
    });
  }
  const roleAllocations = new Map([...byRole.keys()].map((r) => [r, byRole.get(r)]));
  return { agents, frameworks, weights: roles.weights, quotas: roles.quotas, roleAllocations, total, now, ...(minAllocatable ? { minAllocatable } : {}) };
}

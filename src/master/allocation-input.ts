import type { Resources } from '../domain/resources.js';
import type { AllocAgent, AllocFramework, AllocationInput } from './allocator/allocate.js';
import type { RoleQuota } from './allocator/quota.js';
import type { MasterStateView, OfferFilter } from './state.js';
import type { LedgerView } from './ledger.js';
import { hasCapability } from '../wire/mesos.js';
import type { ResourceQuantities } from '../domain/min-allocatable.js';
import { frameworkMinAllocatable } from './framework-info.js';
import { clusterTotal } from './accounting.js';
import { isRemote, type DomainInfo } from '../wire/fault-domain.js';

// The allocator's snapshot of master state: agents and frameworks as they are, what they hold
// from the ledger (kept as tasks and offers change, never summed here), so a run costs what
// the agents and frameworks are, not what all the tasks are.

// The ledger keeps an agent's holdings as one value until they change: most agents' free
// resources are the same from one run to the next.
const freeCache = new WeakMap<Resources, { total: Resources; available: Resources }>();
function availableOn(total: Resources, held: Resources): Resources {
  const hit = freeCache.get(held);
  if (hit !== undefined && hit.total === total) return hit.available;
  const available = total.subtract(held);
  if (!held.isEmpty()) freeCache.set(held, { total, available });
  return available;
}

export function allocationInput(
  state: MasterStateView,
  ledger: LedgerView,
  filters: ReadonlyMap<string, readonly OfferFilter[]>,
  roles: { weights: ReadonlyMap<string, number>; quotas: ReadonlyMap<string, RoleQuota> },
  now: number,
  minAllocatable?: readonly ResourceQuantities[],
  /** The master's fault domain (agents in other regions are remote). */
  master?: DomainInfo,
): AllocationInput {
  const agents: AllocAgent[] = [];
  for (const a of state.agents.values()) {
    // Deactivated agents (DEACTIVATE_AGENT, draining) keep their tasks but get no offers.
    if (a.connection !== null && !a.deactivated) agents.push({ id: a.record.id, available: availableOn(a.total, ledger.heldOnAgent(a.record.id)), hasGpus: a.total.scalar('gpus') > 0, remote: isRemote(a.domain, master) });
  }
  const frameworks: AllocFramework[] = [];
  for (const f of state.frameworks.values()) {
    if (!f.active || f.stream === null) continue;
    frameworks.push({
      id: f.id,
      roles: f.roles,
      suppressedRoles: f.suppressedRoles,
      // Scalars only: DRF shares and quota count nothing else.
      allocated: new Map(f.roles.map((r) => [r, ledger.frameworkRoleScalars(f.id, r)])),
      filters: (filters.get(f.id) ?? []).filter((x) => x.until > now),
      gpuAware: hasCapability(f.info, 'GPU_RESOURCES'),
      regionAware: hasCapability(f.info, 'REGION_AWARE'),
      refinementAware: hasCapability(f.info, 'RESERVATION_REFINEMENT'),
      ...(f.info.offer_filters !== undefined ? { minAllocatable: frameworkMinAllocatable(f.info) } : {}),
    });
  }
  return { agents, frameworks, weights: roles.weights, quotas: roles.quotas, roleAllocations: ledger.roleScalars(), total: clusterTotal(state), now, ...(minAllocatable ? { minAllocatable } : {}) };
}

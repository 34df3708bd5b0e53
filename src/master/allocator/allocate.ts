import { Resources } from '../../domain/resources.js';
import { RoleTree } from './hierarchy.js';
import { isSelfOrDescendant, mayUse } from './roles.js';
import { QuotaBook, type RoleQuota } from './quota.js';
import { DEFAULT_MIN_ALLOCATABLE, isAllocatable, type ResourceQuantities } from '../../domain/min-allocatable.js';

// Pure allocation: a snapshot in, offers out. No I/O, no clock (filters carry their expiry,
// `now` is a parameter), no iteration-order dependence. Two stages, as Mesos 1.11:
//   1. quota guarantees: roles below their guarantee get resources first, up to it;
//   2. fair share: hierarchical weighted DRF over roles, then DRF over each role's frameworks,
//      never taking the unreserved resources other roles' unmet guarantees need (headroom),
//      and never past a role's limit.

export interface AllocAgent {
  id: string;
  /** Unallocated, unoffered resources. */
  available: Resources;
  /** The agent has GPUs: only GPU_RESOURCES frameworks get its offers (Mesos --filter_gpu_resources). */
  hasGpus?: boolean;
  /** In another region than the master's: only REGION_AWARE frameworks get its offers (Mesos isRemoteSlave). */
  remote?: boolean;
}

export interface AllocFilter {
  agentId: string;
  resources: Resources;
  until: number;
}

export interface AllocFramework {
  id: string;
  roles: readonly string[];
  suppressedRoles: ReadonlySet<string>;
  /** What the framework holds (tasks and outstanding offers) per role. */
  allocated: ReadonlyMap<string, Resources>;
  filters: readonly AllocFilter[];
  /** Has the GPU_RESOURCES capability. */
  gpuAware?: boolean;
  /** Has the REGION_AWARE capability. */
  regionAware?: boolean;
  /** Per role, the framework's own minimum (offer_filters), replacing the master's for that role. */
  minAllocatable?: ReadonlyMap<string, readonly ResourceQuantities[]>;
  /** Has RESERVATION_REFINEMENT: only such frameworks are offered refined reservations (Mesos). */
  refinementAware?: boolean;
}

export interface AllocationInput {
  agents: readonly AllocAgent[];
  frameworks: readonly AllocFramework[];
  /** Role weights (default 1). */
  weights?: ReadonlyMap<string, number>;
  quotas?: ReadonlyMap<string, RoleQuota>;
  /** What every role holds, frameworks or not (for quota accounting); defaults to the frameworks' sums. */
  roleAllocations?: ReadonlyMap<string, Resources>;
  total: Resources;
  now: number;
  /** The master's --min-allocatable-resources (default Mesos's cpus:0.01|mem:32). */
  minAllocatable?: readonly ResourceQuantities[];
}

export interface OfferDecision {
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resources;
}

/** Resources usable by `role`: unreserved (`*`) plus those reserved to that role or an ancestor of it. */
export function forRole(r: Resources, role: string): Resources {
  if (r.isUnreserved()) return r;
  return Resources.of(r.toArray().filter((x) => mayUse(role, x.role)));
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function allocate(input: AllocationInput): OfferDecision[] {
  const frameworks = new Map(input.frameworks.map((f) => [f.id, f]));
  const sortedFrameworks = [...input.frameworks].sort(byId);
  const agents = [...input.agents].sort(byId);
  const quota = new QuotaBook(input.quotas ?? new Map(), input.roleAllocations ?? sumByRole(input.frameworks), agents);
  const tree = roleTree(input, sortedFrameworks, () => true);
  // Stage 1 walks only the roles that count towards an unmet guarantee.
  const guaranteed = quota.hasGuarantees() ? roleTree(input, sortedFrameworks, (role) => quota.countsTowardsUnmetGuarantee(role)) : null;
  const decisions: OfferDecision[] = [];
  const merged = new Map<string, OfferDecision>();
  const remaining = new Map(agents.map((a) => [a.id, a.available]));
  const globalMin = input.minAllocatable ?? DEFAULT_MIN_ALLOCATABLE;
  // A role some framework sets its own minimum for cannot be skipped on the master's minimum.
  const ownMinimum = new Set(input.frameworks.flatMap((f) => [...(f.minAllocatable?.keys() ?? [])]));

  for (const [stage, walked] of [['guarantee', guaranteed], ['fair', tree]] as const) {
    if (!walked) continue;
    for (const agent of agents) {
      // What each role could get here, recomputed only when the agent's resources change.
      let usable = new Map<string, Resources>();
      const candidateFor = (role: string): Resources => {
        let c = usable.get(role);
        if (c === undefined) {
          const left = forRole(remaining.get(agent.id)!, role);
          c = stage === 'guarantee' ? quota.guaranteedPart(role, left) : quota.fairPart(role, left);
          usable.set(role, c);
        }
        return c;
      };
      walked.walk(
        (role) => (ownMinimum.has(role) ? !candidateFor(role).isEmpty() : isAllocatable(candidateFor(role), globalMin)),
        ({ role, frameworkId }) => {
          const fw = frameworks.get(frameworkId)!;
          const candidate = fw.refinementAware === true ? candidateFor(role) : candidateFor(role).withoutRefinedReservations();
          if (!isAllocatable(candidate, fw.minAllocatable?.get(role) ?? globalMin)) return false;
          // GPU agents are kept for frameworks that can use GPUs, so GPU-less work does not strand them.
          if (agent.hasGpus === true && fw.gpuAware !== true) return false;
          if (agent.remote === true && fw.regionAware !== true) return false;
          if (fw.filters.some((f) => f.agentId === agent.id && f.until > input.now && f.resources.contains(candidate))) return false;
          // One offer per (framework, agent, role) per cycle: a fair-share part joins a guarantee part (Mesos).
          const key = `${frameworkId}\u0000${agent.id}\u0000${role}`;
          const earlier = merged.get(key);
          if (earlier) earlier.resources = earlier.resources.add(candidate);
          else {
            const d = { frameworkId, agentId: agent.id, role, resources: candidate };
            merged.set(key, d);
            decisions.push(d);
          }
          const left = remaining.get(agent.id)!.subtract(candidate);
          remaining.set(agent.id, left);
          // Both trees track every allocation, so stage 2 starts from stage 1's shares.
          tree.allocate(role, frameworkId, candidate);
          if (guaranteed && walked === guaranteed) guaranteed.allocate(role, frameworkId, candidate);
          quota.allocated(role, candidate);
          usable = new Map();
          return left.isEmpty();
        },
      );
    }
  }
  return decisions;
}

function roleTree(input: AllocationInput, frameworks: readonly AllocFramework[], include: (role: string) => boolean): RoleTree {
  const tree = new RoleTree(input.total, input.weights ?? new Map());
  for (const f of frameworks) {
    for (const role of [...f.roles].sort()) {
      if (!f.suppressedRoles.has(role) && include(role)) tree.addFramework(role, f.id, f.allocated.get(role) ?? Resources.empty());
    }
  }
  return tree;
}

function sumByRole(frameworks: readonly AllocFramework[]): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const f of frameworks) for (const [role, r] of f.allocated) out.set(role, (out.get(role) ?? Resources.empty()).add(r));
  return out;
}

/** What `role`'s subtree holds, from per-role allocations. */
export function subtreeAllocation(role: string, byRole: ReadonlyMap<string, Resources>): Resources {
  let sum = Resources.empty();
  for (const [r, a] of byRole) if (isSelfOrDescendant(r, role)) sum = sum.add(a);
  return sum;
}

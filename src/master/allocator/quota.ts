import { Resources } from '../../domain/resources.js';
import { isSelfOrDescendant } from './roles.js';

// Quota (Mesos QUOTA_V2): a guarantee a role's subtree is given first and a limit it never
// goes past, both over scalar resources. Headroom: unreserved resources that roles below
// their guarantee still need are not handed to anyone else.

export interface RoleQuota {
  guarantee: Resources;
  /** null: no limit. */
  limit: Resources | null;
}

type Amounts = Map<string, number>;

function scalars(r: Resources): Amounts {
  const out: Amounts = new Map();
  for (const x of r.toArray()) if (x.type === 'SCALAR') out.set(x.name, (out.get(x.name) ?? 0) + x.scalar.value);
  return out;
}

/**
 * Keeps at most `caps[name]` of each capped scalar (entries taken in order); other entries
 * pass, except scalars absent from `caps` when `onlyCapped`.
 */
function cap(r: Resources, caps: Amounts, opts: { onlyCapped?: boolean; onlyUnreserved?: boolean } = {}): Resources {
  // Fast path: nothing goes past its cap (the common case), so nothing changes.
  if (opts.onlyCapped !== true && fitsUnder(r, caps)) return r;
  const left = new Map(caps);
  return r.mapScalars((x) => {
    if (opts.onlyUnreserved === true && x.role !== '*') return x.scalar.value;
    const c = left.get(x.name);
    if (c === undefined) return opts.onlyCapped === true ? 0 : x.scalar.value;
    const take = Math.min(x.scalar.value, Math.max(0, c));
    left.set(x.name, c - take);
    return take;
  });
}

function fitsUnder(r: Resources, caps: Amounts): boolean {
  for (const [name, c] of caps) if (r.scalar(name) > c) return false;
  return true;
}

export class QuotaBook {
  private readonly roles: string[];
  private readonly consumed = new Map<string, Amounts>();
  /** Unreserved scalars left on all agents together. */
  private readonly freeUnreserved: Amounts = new Map();
  // Caches: a cycle asks these for every agent and role, and they change only on allocation.
  private readonly pathCache = new Map<string, string[]>();
  private readonly unmetCache = new Map<string, Amounts>();
  private readonly headroomCache = new Map<string, Amounts>();
  private readonly limits = new Map<string, Amounts>();
  private readonly limitLeftCache = new Map<string, Amounts>();

  constructor(
    private readonly quotas: ReadonlyMap<string, RoleQuota>,
    byRole: ReadonlyMap<string, Resources>,
    agents: readonly { available: Resources }[],
  ) {
    this.roles = [...quotas.keys()].sort();
    for (const q of this.roles) {
      let sum = Resources.empty();
      for (const [r, a] of byRole) if (isSelfOrDescendant(r, q)) sum = sum.add(a);
      this.consumed.set(q, scalars(sum));
      const limit = quotas.get(q)!.limit;
      if (limit) this.limits.set(q, scalars(limit));
    }
    if (this.roles.length === 0) return;
    for (const a of agents) {
      for (const x of a.available.toArray()) {
        if (x.type === 'SCALAR' && x.role === '*') this.freeUnreserved.set(x.name, (this.freeUnreserved.get(x.name) ?? 0) + x.scalar.value);
      }
    }
  }

  /** True when `role` or an ancestor is below its guarantee (stage 1 serves it). */
  countsTowardsUnmetGuarantee(role: string): boolean {
    return this.inPath(role).some((q) => this.unmet(q).size > 0);
  }

  hasGuarantees(): boolean {
    return this.roles.some((q) => this.unmet(q).size > 0);
  }

  /** Stage 1: the part of `candidate` that fills an unmet guarantee of `role` or an ancestor. */
  guaranteedPart(role: string, candidate: Resources): Resources {
    const caps: Amounts = new Map();
    for (const q of this.inPath(role)) {
      for (const [name, need] of this.unmet(q)) caps.set(name, Math.min(caps.get(name) ?? Infinity, need));
    }
    if (caps.size === 0) return Resources.empty();
    return this.withinLimits(role, cap(candidate, caps, { onlyCapped: true }));
  }

  /** Stage 2: `candidate` within the limits of `role` and its ancestors, leaving other roles' headroom. */
  fairPart(role: string, candidate: Resources): Resources {
    if (this.roles.length === 0) return candidate;
    const limited = this.withinLimits(role, candidate);
    const headroom = this.headroom(role);
    if (headroom.size === 0) return limited;
    const spare: Amounts = new Map();
    for (const [name, need] of headroom) spare.set(name, (this.freeUnreserved.get(name) ?? 0) - need);
    return cap(limited, spare, { onlyUnreserved: true });
  }

  allocated(role: string, r: Resources): void {
    if (this.roles.length === 0) return;
    const path = this.inPath(role);
    if (path.length > 0) {
      const add = scalars(r);
      for (const q of path) {
        const c = this.consumed.get(q)!;
        for (const [name, v] of add) c.set(name, (c.get(name) ?? 0) + v);
        this.unmetCache.delete(q);
        this.limitLeftCache.delete(q);
      }
      this.headroomCache.clear();
    }
    for (const x of r.toArray()) {
      if (x.type === 'SCALAR' && x.role === '*') this.freeUnreserved.set(x.name, (this.freeUnreserved.get(x.name) ?? 0) - x.scalar.value);
    }
  }

  private withinLimits(role: string, candidate: Resources): Resources {
    let out = candidate;
    for (const q of this.inPath(role)) {
      const left = this.limitLeft(q);
      if (left) out = cap(out, left);
    }
    return out;
  }

  /** What `q` may still get before its limit, or undefined when it has none. */
  private limitLeft(q: string): Amounts | undefined {
    const limit = this.limits.get(q);
    if (!limit) return undefined;
    let left = this.limitLeftCache.get(q);
    if (!left) {
      left = new Map();
      const c = this.consumed.get(q)!;
      for (const [name, v] of limit) left.set(name, v - (c.get(name) ?? 0));
      this.limitLeftCache.set(q, left);
    }
    return left;
  }

  /** Unmet guarantees of quota roles `role` does not count towards: not to be handed to `role`. */
  private headroom(role: string): Amounts {
    let h = this.headroomCache.get(role);
    if (!h) {
      h = new Map();
      const mine = new Set(this.inPath(role));
      for (const q of this.roles) {
        if (mine.has(q)) continue;
        for (const [name, need] of this.unmet(q)) h.set(name, (h.get(name) ?? 0) + need);
      }
      this.headroomCache.set(role, h);
    }
    return h;
  }

  private unmet(q: string): Amounts {
    let out = this.unmetCache.get(q);
    if (!out) {
      out = new Map();
      const c = this.consumed.get(q)!;
      for (const [name, v] of scalars(this.quotas.get(q)!.guarantee)) {
        const need = v - (c.get(name) ?? 0);
        if (need > 1e-9) out.set(name, need);
      }
      this.unmetCache.set(q, out);
    }
    return out;
  }

  /** Quota roles that `role` counts towards: itself and its ancestors. */
  private inPath(role: string): string[] {
    let p = this.pathCache.get(role);
    if (!p) {
      p = this.roles.filter((q) => isSelfOrDescendant(role, q));
      this.pathCache.set(role, p);
    }
    return p;
  }
}

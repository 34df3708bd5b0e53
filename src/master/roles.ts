import { TsmesosError } from '../domain/errors.js';
import { Resources, roleError } from '../domain/resources.js';
import type { RoleQuota } from './allocator/quota.js';
import type { MasterContext } from './context.js';

// Role weights and quotas: kept in the registry (replicated), cached here for the allocator.
// The only writer of both; changes are proposed first and applied here once committed.

export interface QuotaConfig {
  role: string;
  guarantee: Resources;
  limit: Resources | null;
}

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

export class Roles {
  private weightByRole = new Map<string, number>();
  private quotaByRole = new Map<string, RoleQuota>();

  constructor(private readonly ctx: MasterContext) {}

  /** Loads what the registry holds (at election). */
  recover(): void {
    this.weightByRole = this.ctx.registry.roleWeights();
    this.quotaByRole = new Map(this.ctx.registry.roleQuotas().map((q) => [q.role, {
      guarantee: Resources.parse(q.guarantee), limit: q.limit === null ? null : Resources.parse(q.limit),
    }]));
  }

  weights(): ReadonlyMap<string, number> {
    return this.weightByRole;
  }

  quotas(): ReadonlyMap<string, RoleQuota> {
    return this.quotaByRole;
  }

  async updateWeights(weights: readonly { role: string; weight: number }[]): Promise<void> {
    for (const { role, weight } of weights) {
      checkRole(role);
      if (!Number.isFinite(weight) || weight <= 0) bad(`weight of role '${role}': must be a positive number`);
    }
    await this.ctx.log.propose({ type: 'UPDATE_WEIGHTS', weights: weights.map((w) => ({ ...w })) });
    for (const { role, weight } of weights) {
      if (weight === 1) this.weightByRole.delete(role);
      else this.weightByRole.set(role, weight);
    }
    this.ctx.requestAllocation();
  }

  async updateQuotas(quotas: readonly QuotaConfig[]): Promise<void> {
    for (const q of quotas) {
      checkRole(q.role);
      for (const r of [q.guarantee, ...(q.limit ? [q.limit] : [])]) {
        if (r.toArray().some((x) => x.type !== 'SCALAR' || x.role !== '*')) bad(`quota of role '${q.role}': only unreserved scalar resources (cpus, mem, disk, gpus) can have quota`);
      }
      if (q.limit && !q.limit.contains(q.guarantee)) bad(`quota of role '${q.role}': the guarantee must not exceed the limit`);
    }
    await this.ctx.log.propose({
      type: 'UPDATE_QUOTAS',
      quotas: quotas.map((q) => ({ role: q.role, guarantee: q.guarantee.toString(), limit: q.limit === null ? null : q.limit.toString() })),
    });
    for (const q of quotas) {
      if (q.guarantee.isEmpty() && q.limit === null) this.quotaByRole.delete(q.role);
      else this.quotaByRole.set(q.role, { guarantee: q.guarantee, limit: q.limit });
    }
    this.ctx.requestAllocation();
  }
}

function checkRole(role: string): void {
  if (role === '*') bad("quota and weights apply to named roles, not '*'");
  const why = roleError(role);
  if (why !== undefined) bad(why);
}

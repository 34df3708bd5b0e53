import { TsmesosError } from '../domain/errors.js';
import { hasCapability, type FrameworkInfo } from '../wire/mesos.js';
import { minAllocatableProblem, quantitiesOf, type ResourceQuantities } from '../domain/min-allocatable.js';

const ROLE = /^(\*|[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*)$/;

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

/**
 * Mesos's FrameworkInfo rules (src/master/validation.cpp) over a decoded message. Mesos
 * answers an invalid SUBSCRIBE with 200 and a single ERROR event, so the message of the
 * error thrown here becomes that event. Returns the info with defaults filled in.
 */
export function validateFrameworkInfo(info: FrameworkInfo): FrameworkInfo {
  const capabilities = info.capabilities.filter((c) => c.type !== undefined && c.type !== 'UNKNOWN');
  const multiRole = hasCapability({ capabilities }, 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) bad("'framework_info.role' must not be set with MULTI_ROLE; use 'roles'");
  if (!multiRole && info.roles.length > 0) bad("'framework_info.roles' requires the MULTI_ROLE capability");
  for (const r of [...info.roles, ...(info.role !== undefined ? [info.role] : [])]) {
    if (!ROLE.test(r) || r === '.' || r === '..') bad(`invalid role '${r.slice(0, 64)}'`);
  }
  if (new Set(info.roles).size !== info.roles.length) bad('framework_info.roles: duplicate roles');
  if (info.failover_timeout !== undefined && info.failover_timeout < 0) bad('framework_info.failover_timeout: must be >= 0');
  for (const [role, filters] of Object.entries(info.offer_filters ?? {})) {
    if (!ROLE.test(role) || role === '.' || role === '..') bad(`framework_info.offer_filters: invalid role '${role.slice(0, 64)}'`);
    const problem = minAllocatableProblem((filters.min_allocatable_resources?.quantities ?? []).map((q) => q.quantities ?? {}));
    if (problem !== undefined) bad(`framework_info.offer_filters['${role}']: ${problem}`);
  }
  return {
    ...info,
    user: info.user ?? '',
    capabilities,
    ...(multiRole ? { role: undefined } : { role: info.role ?? '*', roles: [] }),
  };
}

export function frameworkRoles(info: FrameworkInfo): string[] {
  return hasCapability(info, 'MULTI_ROLE') ? [...info.roles] : [info.role ?? '*'];
}

export function isPartitionAware(info: FrameworkInfo): boolean {
  return hasCapability(info, 'PARTITION_AWARE');
}

/** The framework's own minimum allocatable resources per role (roles without min_allocatable_resources use the master's). */
export function frameworkMinAllocatable(info: FrameworkInfo): Map<string, ResourceQuantities[]> {
  const out = new Map<string, ResourceQuantities[]>();
  for (const [role, filters] of Object.entries(info.offer_filters ?? {})) {
    const min = filters.min_allocatable_resources;
    if (min !== undefined) out.set(role, min.quantities.map((q) => quantitiesOf(q.quantities ?? {})));
  }
  return out;
}

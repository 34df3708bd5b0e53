import type { Resource as DomainResource, Resources } from '../domain/resources.js';
import { hasCapability, type MasterInfo, type Offer, type Resource } from '../wire/mesos.js';
import type { MasterContext } from './context.js';
import { resourceToWire } from '../wire/resource.js';
import type { FrameworkView, OfferEntry } from './state.js';

// Master objects as typed v1 messages; the wire layer encodes them.

export function isMultiRole(fw: FrameworkView): boolean {
  return hasCapability(fw.info, 'MULTI_ROLE');
}

/**
 * A resource as a framework sees it (`refinement` given): RESERVATION_REFINEMENT frameworks get
 * the `reservations` stack (no `role`); others the pre-refinement `role` field ('*' when
 * unreserved) and `reservation` for a dynamic one, as Mesos. Operator views (`refinement` not
 * given) use Mesos's ENDPOINT format, which has both.
 */
export function resourceMessage(r: DomainResource, opts: { allocationRole?: string; refinement?: boolean } = {}): Resource {
  const shape = resourceToWire(r, opts.refinement === undefined ? 'endpoint' : opts.refinement ? 'refinement' : 'pre-refinement');
  return { ...shape, ...(opts.allocationRole !== undefined ? { allocation_info: { role: opts.allocationRole } } : {}) };
}

export function resourceMessages(r: Resources, opts: { allocationRole?: string; refinement?: boolean } = {}): Resource[] {
  return r.toArray().map((x) => resourceMessage(x, opts));
}

export function offerMessage(ctx: MasterContext, o: Readonly<OfferEntry>, fw: FrameworkView): Offer {
  const agent = ctx.state.agents.get(o.agentId);
  const multi = isMultiRole(fw);
  return {
    id: { value: o.id },
    framework_id: { value: o.frameworkId },
    agent_id: { value: o.agentId },
    hostname: agent?.record.hostname ?? '',
    ...(agent ? { url: { scheme: 'http', address: { hostname: agent.record.hostname, ip: agent.record.ip, port: agent.record.port }, path: '/slave(1)', query: [] } } : {}),
    resources: resourceMessages(o.resources, { ...(multi ? { allocationRole: o.role } : {}), refinement: hasCapability(fw.info, 'RESERVATION_REFINEMENT') }),
    attributes: agent?.record.attributes ?? [],
    executor_ids: [],
    ...(multi ? { allocation_info: { role: o.role } } : {}),
  };
}

export function masterInfoMessage(ctx: MasterContext): MasterInfo {
  return ctx.info;
}

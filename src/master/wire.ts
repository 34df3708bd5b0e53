import type { Resource as DomainResource, Resources } from '../domain/resources.js';
import { hasCapability, type InverseOffer, type MasterInfo, type Offer, type Resource } from '../wire/mesos.js';
import type { MasterContext } from './context.js';
import type { InverseOfferEntry, Unavailability } from './inverse-offers.js';
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
    ...(o.unavailability ? { unavailability: unavailabilityMessage(o.unavailability) } : {}),
    ...(agent?.domain ? { domain: agent.domain } : {}),
  };
}

const unavailabilityMessage = (u: Unavailability): { start: { nanoseconds: number }; duration?: { nanoseconds: number } } => ({
  start: { nanoseconds: u.startNs },
  ...(u.durationNs !== null ? { duration: { nanoseconds: u.durationNs } } : {}),
});

/** Maintenance inverse offers ask for everything on the agent: `resources` is empty (Mesos). */
export function inverseOfferMessage(ctx: MasterContext, io: InverseOfferEntry): InverseOffer {
  const agent = ctx.state.agents.get(io.agentId);
  return {
    id: { value: io.id },
    ...(agent ? { url: { scheme: 'http', address: { hostname: agent.record.hostname, ip: agent.record.ip, port: agent.record.port }, path: '/slave(1)', query: [] } } : {}),
    framework_id: { value: io.frameworkId },
    agent_id: { value: io.agentId },
    unavailability: unavailabilityMessage(io.unavailability),
    resources: [],
  };
}

export function masterInfoMessage(ctx: MasterContext): MasterInfo {
  return ctx.info;
}

import type { Resource as DomainResource, Resources } from '../domain/resources.js';
import type { MasterInfo, Offer, Resource } from '../wire/mesos.js';
import type { MasterContext } from './context.js';
import type { FrameworkView, OfferEntry } from './state.js';

// Master objects as typed v1 messages; the wire layer encodes them.

export function isMultiRole(fw: FrameworkView): boolean {
  return fw.info.capabilities.some((c) => c.type === 'MULTI_ROLE');
}

export function resourceMessage(r: DomainResource, role?: string): Resource {
  return { ...r, reservations: [], ...(role !== undefined ? { allocation_info: { role } } : {}) };
}

export function resourceMessages(r: Resources, role?: string): Resource[] {
  return r.toArray().map((x) => resourceMessage(x, role));
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
    resources: resourceMessages(o.resources, multi ? o.role : undefined),
    attributes: agent?.record.attributes ?? [],
    executor_ids: [],
    ...(multi ? { allocation_info: { role: o.role } } : {}),
  };
}

export function masterInfoMessage(ctx: MasterContext): MasterInfo {
  return ctx.info;
}

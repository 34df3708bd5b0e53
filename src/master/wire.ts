import type { Resource, Resources } from '../domain/resources.js';
import type { MasterContext } from './context.js';
import type { FrameworkEntry, OfferEntry, TaskEntry } from './state.js';

// v1 JSON renderings of master objects (Resource arrays, agent_* names).

export function isMultiRole(fw: FrameworkEntry): boolean {
  return (fw.info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
}

export function resourcesJson(r: Resources, role?: string): (Resource & { allocation_info?: { role: string } })[] {
  return r.toArray().map((x) => (role === undefined ? x : { ...x, allocation_info: { role } }));
}

export function agentUrl(ctx: MasterContext, agentId: string): { scheme: string; address: { hostname: string; ip: string; port: number }; path: string } | undefined {
  const a = ctx.state.agents.get(agentId);
  if (!a) return undefined;
  return { scheme: 'http', address: { hostname: a.record.hostname, ip: a.record.ip, port: a.record.port }, path: '/slave(1)' };
}

export function offerJson(ctx: MasterContext, o: OfferEntry, fw: FrameworkEntry): Record<string, unknown> {
  const agent = ctx.state.agents.get(o.agentId);
  const multi = isMultiRole(fw);
  return {
    id: { value: o.id },
    framework_id: { value: o.frameworkId },
    agent_id: { value: o.agentId },
    hostname: agent?.record.hostname ?? '',
    url: agentUrl(ctx, o.agentId),
    resources: resourcesJson(o.resources, multi ? o.role : undefined),
    attributes: agent?.record.attributes ?? [],
    executor_ids: [],
    ...(multi ? { allocation_info: { role: o.role } } : {}),
  };
}

export function masterInfoJson(ctx: MasterContext): Record<string, unknown> {
  return { ...ctx.info };
}

export function taskV1Json(t: TaskEntry): Record<string, unknown> {
  return {
    name: t.info.name,
    task_id: { value: t.taskId },
    framework_id: { value: t.frameworkId },
    agent_id: { value: t.agentId },
    state: t.state,
    resources: t.resources.toArray(),
    statuses: t.statuses,
    ...(t.statusUpdateState ? { status_update_state: t.statusUpdateState } : {}),
    ...(t.statusUpdateUuid ? { status_update_uuid: t.statusUpdateUuid } : {}),
  };
}

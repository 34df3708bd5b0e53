import { Resources } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import type { MasterStateView as MasterState } from './state.js';

// Derived resource views. Computed from tasks and offers, never stored twice.

export function usedOnAgent(state: MasterState, agentId: string): Resources {
  let used = Resources.empty();
  for (const fw of state.frameworks.values()) {
    for (const t of fw.tasks.values()) if (t.agentId === agentId && !isTerminal(t.state)) used = used.add(t.resources);
  }
  return used;
}

export function offeredOnAgent(state: MasterState, agentId: string): Resources {
  let offered = Resources.empty();
  for (const o of state.offers.values()) if (o.agentId === agentId) offered = offered.add(o.resources);
  return offered;
}

export function usedByFramework(state: MasterState, frameworkId: string): Resources {
  let used = Resources.empty();
  const fw = state.frameworks.get(frameworkId);
  if (!fw) return used;
  for (const t of fw.tasks.values()) if (!isTerminal(t.state)) used = used.add(t.resources);
  return used;
}

export function offeredToFramework(state: MasterState, frameworkId: string): Resources {
  let offered = Resources.empty();
  for (const o of state.offers.values()) if (o.frameworkId === frameworkId) offered = offered.add(o.resources);
  return offered;
}

export function clusterTotal(state: MasterState): Resources {
  let total = Resources.empty();
  for (const a of state.agents.values()) total = total.add(a.total);
  return total;
}

/** Reserved resources by the role they are reserved to, static and dynamic (Mesos Resources::reservations()). */
export function reservedByRole(total: Resources): Map<string, Resources> {
  const lists = new Map<string, ReturnType<Resources['toArray']>>();
  for (const r of total.toArray()) {
    if (r.role === '*') continue;
    const l = lists.get(r.role) ?? [];
    l.push(r);
    lists.set(r.role, l);
  }
  return new Map([...lists.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([role, l]) => [role, Resources.of(l)]));
}

export function unreservedPart(total: Resources): Resources {
  return Resources.of(total.toArray().filter((r) => r.role === '*'));
}

import { attributesToLegacyJson } from '../domain/attributes.js';
import { Resources } from '../domain/resources.js';
import { isTerminal, TASK_STATES, type TaskState } from '../domain/task-state.js';
import { MESOS_COMPAT_VERSION } from '../domain/version.js';
import { clusterTotal, reservedByRole, unreservedPart } from './accounting.js';
import type { MasterContext } from './context.js';
import { byId, type TaskView } from './state.js';
import { legacyTask } from './state-json.js';
import { getRoles } from './operator-views.js';

// More legacy (v0) JSON: /master/state-summary, /master/tasks, /master/roles, in Mesos's shapes.

const SUMMARY_STATES: readonly TaskState[] = TASK_STATES.filter((s) => s !== 'TASK_GONE_BY_OPERATOR' && s !== 'TASK_UNKNOWN');

function stateCounts(tasks: Iterable<TaskView>): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(SUMMARY_STATES.map((s) => [s, 0]));
  for (const t of tasks) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

function allTasks(ctx: MasterContext): TaskView[] {
  const out: TaskView[] = [];
  for (const fw of [...ctx.state.frameworks.values(), ...ctx.state.completedFrameworks]) out.push(...fw.tasks.values(), ...fw.completedTasks);
  return out;
}

/** `/master/state-summary`: agents and frameworks with task counts per state, no task lists. */
export function legacyStateSummary(ctx: MasterContext): Record<string, unknown> {
  const tasks = allTasks(ctx);
  const agents = [...ctx.state.agents.values()].filter((a) => !a.recovered && a.unreachableSince === null).sort((x, y) => byId(x.record, y.record));
  const frameworks = [...ctx.state.frameworks.values()].sort(byId);
  return {
    hostname: ctx.info.hostname,
    slaves: agents.map((a) => {
      const r = a.record;
      const mine = tasks.filter((t) => t.agentId === r.id);
      return {
        id: r.id, pid: `slave(1)@${r.ip}:${r.port}`, hostname: r.hostname, registered_time: a.registeredTime / 1000,
        resources: a.total.toLegacyJson(), used_resources: ctx.ledger.usedOnAgent(r.id).toLegacyJson(),
        offered_resources: ctx.ledger.offeredOnAgent(r.id).toLegacyJson(),
        reserved_resources: Object.fromEntries([...reservedByRole(a.total)].map(([role, x]) => [role, x.toLegacyJson()])), unreserved_resources: unreservedPart(a.total).toLegacyJson(),
        attributes: attributesToLegacyJson(r.attributes), active: a.connection !== null, deactivated: a.deactivated, version: MESOS_COMPAT_VERSION,
        ...stateCounts(mine), framework_ids: [...new Set(mine.filter((t) => !isTerminal(t.state)).map((t) => t.frameworkId))].sort(),
      };
    }),
    frameworks: frameworks.map((f) => {
      const mine = [...f.tasks.values(), ...f.completedTasks];
      return {
        id: f.id, name: f.info.name, pid: '', used_resources: ctx.ledger.usedByFramework(f.id).toLegacyJson(),
        offered_resources: ctx.ledger.offeredToFramework(f.id).toLegacyJson(), capabilities: f.info.capabilities.map((c) => c.type),
        hostname: f.info.hostname ?? '', webui_url: f.info.webui_url ?? '', active: f.active, connected: f.stream !== null, recovered: f.recovered,
        ...stateCounts(mine), slave_ids: [...new Set([...f.tasks.values()].filter((t) => !isTerminal(t.state)).map((t) => t.agentId))].sort(),
      };
    }),
  };
}

export interface TaskQuery {
  limit: number;
  offset: number;
  order: 'asc' | 'desc';
  frameworkId?: string;
  taskId?: string;
}

const startTime = (t: TaskView): number => t.statuses[0]?.timestamp ?? 0;

/** `/master/tasks`: every known task (active, then completed), by start time, paged as Mesos does (default 100, newest first). */
export function legacyTasks(ctx: MasterContext, q: TaskQuery): Record<string, unknown> {
  const tasks = allTasks(ctx)
    .filter((t) => (q.frameworkId === undefined || t.frameworkId === q.frameworkId) && (q.taskId === undefined || t.taskId === q.taskId))
    .sort((a, b) => startTime(a) - startTime(b) || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
  if (q.order === 'desc') tasks.reverse();
  return { tasks: tasks.slice(q.offset, q.offset + q.limit).map(legacyTask) };
}

/** `/master/roles`: roles with frameworks or a weight, with their weights and quotas. */
export function legacyRoles(ctx: MasterContext): Record<string, unknown> {
  const reserved = reservedByRole(clusterTotal(ctx.state));
  return {
    roles: getRoles(ctx, ctx.roleSettings.weights()).map((r) => {
      let offered = Resources.empty();
      for (const o of ctx.state.offers.values()) if (o.role === r.name) offered = offered.add(o.resources);
      let used = Resources.empty();
      for (const fw of ctx.state.frameworks.values()) for (const t of fw.tasks.values()) if (t.role === r.name && !isTerminal(t.state)) used = used.add(t.resources);
      return {
        name: r.name, weight: r.weight, frameworks: r.frameworks.map((f) => f.value),
        resources: used.toLegacyJson(), allocated: used.toLegacyJson(), offered: offered.toLegacyJson(), reserved: (reserved.get(r.name) ?? Resources.empty()).toLegacyJson(),
        quota: { role: r.name, guarantee: {}, limit: {}, consumed: {} },
      };
    }),
  };
}

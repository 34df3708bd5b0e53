import { Resources } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import { MESOS_COMPAT_VERSION } from '../domain/version.js';
import type { AgentInfo } from '../wire/mesos.js';
import { FragmentCache, fragmentAs } from '../lib/json-fragment.js';
import { encode } from '../wire/codec.js';
import {
  Task, type AgentEntryMessage, type FrameworkEntryMessage, type GetAgents, type GetExecutors, type GetFrameworks, type GetState, type GetTasks, type Role,
} from '../wire/operator-objects.js';
import { taskSpecToWire } from '../wire/task.js';
import { clusterTotal, reservedByRole } from './accounting.js';
import type { MasterContext } from './context.js';
import { byId, type AgentView, type FrameworkView, type TaskView } from './state.js';
import { offerMessage, resourceMessages } from './wire.js';

// Master state as operator API v1 messages (master.proto Response.Get*); the wire layer encodes them.

const time = (ms: number): { nanoseconds: number } => ({ nanoseconds: Math.round(ms * 1e6) });

/**
 * What a task's JSON depends on that changes while it lives (the rest of a TaskEntry is fixed at
 * launch): its state, the updates it got and the one being delivered.
 */
export function taskVersion(t: TaskView): string {
  const last = t.statuses[t.statuses.length - 1];
  return `${t.state} ${t.statuses.length} ${last?.uuid ?? ''} ${last?.timestamp ?? ''} ${t.statusUpdateState ?? ''} ${t.statusUpdateUuid ?? ''}`;
}

const taskJson = new FragmentCache<TaskView>((t) => encode(Task, taskMessage(t)));

/** taskMessage, as JSON kept while the task does not change (GET_STATE of 100,000 tasks prints them all). */
export function taskEntry(t: TaskView): Task {
  return fragmentAs<Task>(taskJson.get(t, taskVersion(t)));
}

export function taskMessage(t: TaskView): Task {
  const info = taskSpecToWire(t.info);
  return {
    name: t.info.name,
    task_id: { value: t.taskId },
    framework_id: { value: t.frameworkId },
    agent_id: { value: t.agentId },
    state: t.state,
    resources: resourceMessages(t.resources, { allocationRole: t.role }),
    statuses: [...t.statuses],
    ...(t.statusUpdateState !== null ? { status_update_state: t.statusUpdateState } : {}),
    ...(t.statusUpdateUuid !== null ? { status_update_uuid: t.statusUpdateUuid } : {}),
    ...(info.labels !== undefined ? { labels: info.labels } : {}),
    ...(info.kill_policy !== undefined ? { kill_policy: info.kill_policy } : {}),
  };
}

function agentInfo(a: AgentView): AgentInfo {
  const r = a.record;
  return { hostname: r.hostname, port: r.port, resources: resourceMessages(a.total), attributes: [...r.attributes], id: { value: r.id }, ...(a.domain ? { domain: a.domain } : {}) };
}

export function agentMessage(ctx: MasterContext, a: AgentView): AgentEntryMessage {
  const r = a.record;
  return {
    agent_info: agentInfo(a),
    active: a.connection !== null,
    deactivated: a.deactivated,
    version: MESOS_COMPAT_VERSION,
    pid: `slave(1)@${r.ip}:${r.port}`,
    registered_time: time(a.registeredTime),
    ...(a.reregisteredTime !== null ? { reregistered_time: time(a.reregisteredTime) } : {}),
    total_resources: resourceMessages(a.total),
    allocated_resources: resourceMessages(ctx.ledger.usedOnAgent(r.id)),
    offered_resources: resourceMessages(ctx.ledger.offeredOnAgent(r.id)),
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }],
    ...(a.drain !== null ? { drain_info: drainInfoMessage(a.drain) } : {}),
    ...(a.drainStartedAt !== null ? { estimated_drain_start_time: time(a.drainStartedAt) } : {}),
  };
}

/** DrainInfo as Mesos prints it (max_grace_period a DurationInfo). */
export function drainInfoMessage(d: NonNullable<AgentView['drain']>): { state: 'DRAINING' | 'DRAINED'; config: { max_grace_period?: { nanoseconds: number }; mark_gone: boolean } } {
  return { state: d.state, config: { ...(d.maxGracePeriodMs !== null ? { max_grace_period: time(d.maxGracePeriodMs) } : {}), mark_gone: d.markGone } };
}

const sortedAgents = (ctx: MasterContext): AgentView[] => [...ctx.state.agents.values()].sort((x, y) => byId(x.record, y.record));

/** Registered agents; recovered ones (not yet back after a failover) as bare AgentInfo; unreachable ones are left out, as in Mesos. */
export function getAgents(ctx: MasterContext): GetAgents {
  const agents = sortedAgents(ctx);
  return {
    agents: agents.filter((a) => !a.recovered && a.unreachableSince === null).map((a) => agentMessage(ctx, a)),
    recovered_agents: agents.filter((a) => a.recovered).map(agentInfo),
  };
}

export function frameworkMessage(ctx: MasterContext, fw: FrameworkView): FrameworkEntryMessage {
  const live = ctx.state.frameworks.get(fw.id) === fw;
  return {
    framework_info: fw.info,
    active: fw.active,
    connected: fw.stream !== null,
    recovered: fw.recovered,
    registered_time: time(fw.registeredTime),
    ...(fw.unregisteredTime !== null ? { unregistered_time: time(fw.unregisteredTime) } : {}),
    offers: live ? [...ctx.state.offers.values()].filter((o) => o.frameworkId === fw.id).sort(byId).map((o) => offerMessage(ctx, o, fw)) : [],
    allocated_resources: live ? resourceMessages(ctx.ledger.usedByFramework(fw.id)) : [],
    offered_resources: live ? resourceMessages(ctx.ledger.offeredToFramework(fw.id)) : [],
  };
}

export function getFrameworks(ctx: MasterContext): GetFrameworks {
  return {
    frameworks: [...ctx.state.frameworks.values()].sort(byId).map((f) => frameworkMessage(ctx, f)),
    completed_frameworks: ctx.state.completedFrameworks.map((f) => frameworkMessage(ctx, f)),
    recovered_frameworks: [],
  };
}

/**
 * As Mesos: `tasks` are the frameworks' tasks (terminal ones too until their last update is
 * acknowledged), `unreachable_tasks` those on agents marked unreachable, `completed_tasks` the
 * completed ones of live and completed frameworks.
 */
export function getTasks(ctx: MasterContext): GetTasks {
  const tasks: Task[] = [];
  const unreachable: Task[] = [];
  const completed: Task[] = [];
  const frameworks = [...ctx.state.frameworks.values()].sort(byId);
  for (const fw of frameworks) {
    for (const t of [...fw.tasks.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
      const onUnreachableAgent = ctx.state.agents.get(t.agentId)?.unreachableSince != null;
      if (!isTerminal(t.state) && (onUnreachableAgent || t.state === 'TASK_UNREACHABLE')) unreachable.push(taskEntry(t));
      else tasks.push(taskEntry(t));
    }
  }
  for (const fw of [...frameworks, ...ctx.state.completedFrameworks]) for (const t of fw.completedTasks) completed.push(taskEntry(t));
  return { pending_tasks: [], tasks, unreachable_tasks: unreachable, completed_tasks: completed, orphan_tasks: [] };
}

/** Command tasks only (custom executors are not supported yet): Mesos lists no executors for them either. */
export function getExecutors(): GetExecutors {
  return { executors: [], orphan_executors: [] };
}

export function getState(ctx: MasterContext): GetState {
  return { get_tasks: getTasks(ctx), get_executors: getExecutors(), get_frameworks: getFrameworks(ctx), get_agents: getAgents(ctx) };
}

/** Roles with frameworks subscribed to them or a weight configured, with their weights and what they use. */
export function getRoles(ctx: MasterContext, weights: ReadonlyMap<string, number> = new Map()): Role[] {
  // Known roles, as Mesos lists them: with a weight, a framework, or a reservation.
  const reservedRoles = [...reservedByRole(clusterTotal(ctx.state)).keys()];
  const roles = new Map<string, { frameworks: Set<string> }>([...weights.keys(), ...reservedRoles].map((r) => [r, { frameworks: new Set<string>() }]));
  for (const fw of ctx.state.frameworks.values()) {
    for (const r of fw.roles) {
      const e = roles.get(r) ?? { frameworks: new Set<string>() };
      e.frameworks.add(fw.id);
      roles.set(r, e);
    }
  }
  return [...roles.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, e]) => {
    let used = Resources.empty();
    for (const fw of ctx.state.frameworks.values()) {
      for (const t of fw.tasks.values()) if (t.role === name && !isTerminal(t.state)) used = used.add(t.resources);
    }
    return { name, weight: weights.get(name) ?? 1, frameworks: [...e.frameworks].sort().map((value) => ({ value })), resources: resourceMessages(used, { allocationRole: name }) };
  });
}

import { drainInfoMessage, taskVersion } from './operator-views.js';
import { FragmentCache, fragmentAs } from '../lib/json-fragment.js';
import { attributesToLegacyJson } from '../domain/attributes.js';
import { BUILD_DATE, MESOS_COMPAT_VERSION, VERSION } from '../domain/version.js';
import { isTerminal, TASK_STATES } from '../domain/task-state.js';
import type { MasterContext } from './context.js';
import type { FrameworkView, TaskView } from './state.js';
import { byId } from './state.js';
import { clusterTotal, reservedByRole, unreservedPart } from './accounting.js';
import type { Resources } from '../domain/resources.js';
import { resourceToWire } from '../wire/resource.js';
import { encode } from '../wire/codec.js';
import { Resource as WireResource } from '../wire/mesos.js';

/**
 * An agent's reservations as Mesos's agent JSON shows them: flat maps per role and for the
 * unreserved rest, and the `_full` lists in both reservation formats (what /master/unreserve takes).
 */
export function legacyReservations(total: Resources): Record<string, unknown> {
  const byRole = [...reservedByRole(total)];
  const full = (r: Resources): unknown[] => r.toArray().map((x) => encode(WireResource, resourceToWire(x, 'endpoint')));
  const unreserved = unreservedPart(total);
  return {
    reserved_resources: Object.fromEntries(byRole.map(([role, r]) => [role, r.toLegacyJson()])),
    unreserved_resources: unreserved.toLegacyJson(),
    reserved_resources_full: Object.fromEntries(byRole.map(([role, r]) => [role, full(r)])),
    unreserved_resources_full: full(unreserved),
  };
}
import { isMultiRole } from './wire.js';
import { frameworkMetricPrefix, frameworkMetricValues } from './framework-metrics.js';

// Legacy (v0) JSON: flat resource maps, `slave_*` names, seconds as floats.

export interface LeaderView {
  leaderPid: string | null;
  leaderInfo: Record<string, unknown> | null;
  elected: boolean;
  electedTime: number | null;
}

const legacyTaskJson = new FragmentCache<TaskView>((t) => legacyTaskObject(t));

/** A task as /master/state shows it; JSON kept while the task does not change. */
export function legacyTask(t: TaskView): Record<string, unknown> {
  return fragmentAs<Record<string, unknown>>(legacyTaskJson.get(t, taskVersion(t)));
}

function legacyTaskObject(t: TaskView): Record<string, unknown> {
  return {
    id: t.taskId, name: t.info.name, framework_id: t.frameworkId, executor_id: '', slave_id: t.agentId,
    state: t.state, resources: t.resources.toLegacyJson(), role: t.role,
    statuses: t.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp, ...(s.healthy !== undefined ? { healthy: s.healthy } : {}) })),
  };
}

function legacyFramework(ctx: MasterContext, fw: FrameworkView): Record<string, unknown> {
  const used = ctx.ledger.usedByFramework(fw.id);
  // As Mesos: every task the framework has not finished with, terminal ones included until their last update is acknowledged.
  const tasks = [...fw.tasks.values()];
  return {
    id: fw.id, name: fw.info.name, user: fw.info.user, failover_timeout: fw.info.failover_timeout ?? 0,
    checkpoint: fw.info.checkpoint ?? false, hostname: fw.info.hostname ?? '', webui_url: fw.info.webui_url ?? '',
    ...(fw.info.principal !== undefined ? { principal: fw.info.principal } : {}),
    ...(isMultiRole(fw) ? { roles: fw.roles } : { role: fw.roles[0] ?? '*' }),
    capabilities: fw.info.capabilities.map((c) => c.type),
    active: fw.active, connected: fw.stream !== null, recovered: fw.recovered,
    registered_time: fw.registeredTime / 1000, unregistered_time: (fw.unregisteredTime ?? 0) / 1000,
    resources: used.toLegacyJson(), used_resources: used.toLegacyJson(), offered_resources: ctx.ledger.offeredToFramework(fw.id).toLegacyJson(),
    tasks: tasks.map(legacyTask), unreachable_tasks: [], completed_tasks: fw.completedTasks.map(legacyTask),
    offers: [...ctx.state.offers.values()].filter((o) => o.frameworkId === fw.id).sort(byId)
      .map((o) => ({ id: o.id, framework_id: o.frameworkId, slave_id: o.agentId, resources: o.resources.toLegacyJson() })),
    executors: [],
  };
}

export function legacyAgents(ctx: MasterContext): { active: Record<string, unknown>[]; recovered: Record<string, unknown>[]; unreachable: number } {
  const active: Record<string, unknown>[] = [];
  const recovered: Record<string, unknown>[] = [];
  let unreachable = 0;
  for (const a of [...ctx.state.agents.values()].sort((x, y) => byId(x.record, y.record))) {
    const r = a.record;
    const used = ctx.ledger.usedOnAgent(r.id);
    const json = {
      id: r.id, hostname: r.hostname, port: r.port, pid: `slave(1)@${r.ip}:${r.port}`,
      attributes: attributesToLegacyJson(r.attributes), registered_time: a.registeredTime / 1000,
      ...(a.domain ? { domain: a.domain } : {}),
      ...(a.reregisteredTime !== null ? { reregistered_time: a.reregisteredTime / 1000 } : {}),
      resources: a.total.toLegacyJson(), used_resources: used.toLegacyJson(),
      offered_resources: ctx.ledger.offeredOnAgent(r.id).toLegacyJson(), ...legacyReservations(a.total),
      active: a.connection !== null, deactivated: a.deactivated, version: MESOS_COMPAT_VERSION,
      capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'TASK_KILLING_STATE'],
      ...(a.drain !== null ? { drain_info: drainInfoMessage(a.drain) } : {}),
      ...(a.drainStartedAt !== null ? { estimated_drain_start_time_seconds: Math.floor(a.drainStartedAt / 1000) } : {}),
    };
    if (a.unreachableSince !== null) unreachable++;
    else if (a.recovered) recovered.push({ id: r.id, hostname: r.hostname, port: r.port, resources: a.total.toLegacyJson() });
    else active.push(json);
  }
  return { active, recovered, unreachable };
}

export function legacyFrameworks(ctx: MasterContext): { frameworks: Record<string, unknown>[]; completed: Record<string, unknown>[] } {
  return {
    frameworks: [...ctx.state.frameworks.values()].sort(byId).map((f) => legacyFramework(ctx, f)),
    completed: ctx.state.completedFrameworks.map((f) => legacyFramework(ctx, f)),
  };
}

export function legacyState(ctx: MasterContext, leader: LeaderView, flags: Record<string, string>): Record<string, unknown> {
  const agents = legacyAgents(ctx);
  const fws = legacyFrameworks(ctx);
  const info = ctx.info;
  return {
    // Mesos clients check `version`; tsmesos's own sits beside it.
    version: MESOS_COMPAT_VERSION, tsmesos_version: VERSION, build_date: BUILD_DATE, build_time: 0, build_user: '',
    start_time: ctx.startTime / 1000, ...(leader.electedTime !== null ? { elected_time: leader.electedTime / 1000 } : {}),
    id: info.id, pid: info.pid, hostname: info.hostname,
    capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: agents.active.filter((a) => a['active'] === true).length,
    deactivated_slaves: [...ctx.state.agents.values()].filter((a) => a.deactivated).length, unreachable_slaves: agents.unreachable,
    ...(leader.leaderPid !== null ? { leader: leader.leaderPid } : {}),
    ...(leader.leaderInfo !== null ? { leader_info: leader.leaderInfo } : {}),
    flags,
    slaves: agents.active, recovered_slaves: agents.recovered,
    frameworks: fws.frameworks, completed_frameworks: fws.completed,
    orphan_tasks: [], unregistered_frameworks: [],
  };
}

/** `perFramework`: with Mesos's master/frameworks/<name>/<id>/... keys (Prometheus labels them instead). */
export function metricsSnapshot(ctx: MasterContext, elected: boolean, perFramework = true): Record<string, number> {
  const m: Record<string, number> = {
    'master/uptime_secs': (ctx.clock.now() - ctx.startTime) / 1000,
    'master/elected': elected ? 1 : 0,
  };
  const agents = [...ctx.state.agents.values()];
  m['master/slaves_active'] = agents.filter((a) => !a.recovered).length;
  m['master/slaves_connected'] = agents.filter((a) => a.connection !== null).length;
  m['master/slaves_disconnected'] = agents.filter((a) => a.connection === null).length;
  m['master/slaves_inactive'] = agents.filter((a) => a.deactivated).length;
  m['master/slaves_unreachable'] = agents.filter((a) => a.unreachableSince !== null).length;
  const fws = [...ctx.state.frameworks.values()];
  m['master/frameworks_active'] = fws.filter((f) => f.active).length;
  m['master/frameworks_connected'] = fws.filter((f) => f.stream !== null).length;
  m['master/frameworks_inactive'] = fws.filter((f) => !f.active).length;
  m['master/frameworks_disconnected'] = fws.filter((f) => f.stream === null).length;
  for (const [k, v] of ctx.counters) m[k] = v;
  m['master/outstanding_offers'] = ctx.state.offers.size;
  for (const s of TASK_STATES) m[`master/tasks_${s.slice(5).toLowerCase()}`] = 0;
  // Non-terminal states are gauges (tasks in that state now); terminal ones are counters, as in Mesos.
  const key = (s: string): string => `master/tasks_${s.slice(5).toLowerCase()}`;
  for (const f of fws) for (const t of f.tasks.values()) if (!isTerminal(t.state)) m[key(t.state)] = (m[key(t.state)] ?? 0) + 1;
  for (const [s, n] of ctx.terminalTaskCounts) m[key(s)] = n;
  const total = clusterTotal(ctx.state);
  let used = total.subtract(total);
  for (const a of agents) used = used.add(ctx.ledger.usedOnAgent(a.record.id));
  for (const k of ['cpus', 'mem', 'disk', 'gpus']) {
    m[`master/${k}_total`] = total.scalar(k);
    m[`master/${k}_used`] = used.scalar(k);
    m[`master/${k}_percent`] = total.scalar(k) > 0 ? used.scalar(k) / total.scalar(k) : 0;
  }
  if (perFramework) {
    for (const f of fws) {
      const prefix = frameworkMetricPrefix(f);
      for (const [k, v] of frameworkMetricValues(f)) m[prefix + k] = v;
    }
  }
  return m;
}

import { TsmesosError } from '../domain/errors.js';
import { BUILD_DATE, MESOS_COMPAT_VERSION, VERSION } from '../domain/version.js';
import type { OperatorCall, OperatorCallType, OperatorResponse } from '../wire/operator.js';
import { operatorStream, type OperatorStream } from '../wire/streams.js';
import type { Master } from './master.js';
import { operatorEventOf } from './operator-feed.js';
import { getAgents, getExecutors, getFrameworks, getRoles, getState, getTasks } from './operator-views.js';
import { metricsSnapshot } from './state-json.js';
import { Resources, parseResourceList } from '../domain/resources.js';
import type { RoleQuota } from './allocator/quota.js';
import { resourceMessages } from './wire.js';
import { setVerbosity, type LogVerbosity } from '../lib/log.js';

// The master's side of the operator API v1 (master.proto): the HTTP edge decodes a Call once and
// hands it here. Calls that need no scheduling state are answered by any master (localResponse);
// the rest by the leading master's OperatorCalls.

/**
 * Answered by any master, leading or not (tsmesos; Mesos redirects every call to the leader).
 * The logging level is the addressed process's own, as glog's is in Mesos.
 */
export const ANY_MASTER_CALLS: ReadonlySet<OperatorCallType> = new Set(['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL']);

/** Calls that change state: Mesos answers them with an empty 200. */
const ACTION_CALLS: ReadonlySet<OperatorCallType> = new Set(['TEARDOWN', 'MARK_AGENT_GONE', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT']);
export const isActionCall = (type: OperatorCallType): boolean => ACTION_CALLS.has(type);

/** Calls Mesos answers with an empty 202 Accepted (the operation is applied, as in Mesos's _operation). */
const ACCEPTED_CALLS: ReadonlySet<OperatorCallType> = new Set(['RESERVE_RESOURCES', 'UNRESERVE_RESOURCES']);
export const isAcceptedCall = (type: OperatorCallType): boolean => ACCEPTED_CALLS.has(type);

const notYet = (type: string, why: string): never => {
  throw new TsmesosError('BAD_REQUEST', `${type} is not implemented yet: ${why}`);
};

const missing = (field: string): never => {
  throw new TsmesosError('BAD_REQUEST', `Expecting '${field}' to be present`);
};

export function callType(call: OperatorCall): OperatorCallType {
  const type = call.type ?? missing('type');
  if (type === 'UNKNOWN') throw new TsmesosError('BAD_REQUEST', "call type UNKNOWN: expecting one of the master.proto Call types");
  return type;
}

/** GET_HEALTH, GET_FLAGS, GET_VERSION, GET_LOGGING_LEVEL; SET_LOGGING_LEVEL answers null (an empty 200). */
export function localResponse(call: OperatorCall, flags: Readonly<Record<string, string>>, verbosity: LogVerbosity): OperatorResponse | null {
  const type = callType(call);
  switch (type) {
    case 'GET_HEALTH':
      return { type, get_health: { healthy: true } };
    case 'GET_FLAGS':
      return { type, get_flags: { flags: Object.keys(flags).sort().map((name) => ({ name, value: flags[name] })) } };
    case 'GET_VERSION':
      // The Mesos version we speak, as /version reports it; tsmesos's own release is the git tag.
      return { type, get_version: { version_info: { version: MESOS_COMPAT_VERSION, ...(BUILD_DATE !== '' ? { build_date: BUILD_DATE } : {}), build_time: 0, build_user: '', git_tag: VERSION } } };
    case 'GET_LOGGING_LEVEL':
      // glog's verbosity: 0 is --log-level; above it, debug lines too (lib/log.ts).
      return { type, get_logging_level: { level: verbosity.get() } };
    case 'SET_LOGGING_LEVEL': {
      const set = call.set_logging_level ?? missing('set_logging_level');
      setVerbosity(verbosity, set.level, set.duration.nanoseconds / 1e6);
      return null;
    }
    default:
      throw new TsmesosError('INTERNAL', `${type} is not a local call`);
  }
}

export class OperatorCalls {
  private readonly subscribers = new Set<OperatorStream>();

  constructor(private readonly master: Master) {}

  /**
   * A synchronous leader-only call: its Response, or null for actions (an empty 200).
   * `electedTimeMs`: when this master won its election (wall clock), from the leadership.
   */
  async execute(call: OperatorCall, electedTimeMs: number | null = null): Promise<OperatorResponse | null> {
    const type = callType(call);
    const ctx = this.master.ctx;
    switch (type) {
      case 'GET_METRICS':
        return { type, get_metrics: { metrics: Object.entries(metricsSnapshot(ctx, true)).map(([name, value]) => ({ name, value })) } };
      case 'GET_STATE':
        return { type, get_state: getState(ctx) };
      case 'GET_AGENTS':
        return { type, get_agents: getAgents(ctx) };
      case 'GET_FRAMEWORKS':
        return { type, get_frameworks: getFrameworks(ctx) };
      case 'GET_EXECUTORS':
        return { type, get_executors: getExecutors() };
      case 'GET_TASKS':
        return { type, get_tasks: getTasks(ctx) };
      case 'GET_ROLES':
        return { type, get_roles: { roles: getRoles(ctx, this.master.roles.weights()) } };
      case 'GET_WEIGHTS':
        // Roles not listed weigh 1 (Mesos lists only configured weights too).
        return { type, get_weights: { weight_infos: [...this.master.roles.weights()].map(([role, weight]) => ({ role, weight })) } };
      case 'UPDATE_WEIGHTS': {
        const infos = (call.update_weights ?? missing('update_weights')).weight_infos;
        await this.master.roles.updateWeights(infos.map((w) => ({ role: w.role ?? missing('update_weights.weight_infos[].role'), weight: w.weight })));
        return null;
      }
      case 'GET_MASTER':
        return { type, get_master: { master_info: ctx.info, start_time: ctx.startTime / 1000, ...(electedTimeMs !== null ? { elected_time: electedTimeMs / 1000 } : {}) } };
      case 'GET_MAINTENANCE_STATUS':
        return { type, get_maintenance_status: { status: this.master.maintenance.status() } };
      case 'GET_MAINTENANCE_SCHEDULE':
        return { type, get_maintenance_schedule: { schedule: this.master.maintenance.schedule() } };
      case 'GET_QUOTA':
        return { type, get_quota: { status: quotaStatus(this.master.roles.quotas()) } };
      case 'UPDATE_QUOTA': {
        const configs = (call.update_quota ?? missing('update_quota')).quota_configs;
        await this.master.roles.updateQuotas(configs.map((q) => ({
          role: q.role,
          guarantee: scalarsToResources(q.guarantees ?? {}),
          limit: q.limits !== undefined && Object.keys(q.limits).length > 0 ? scalarsToResources(q.limits) : null,
        })));
        return null;
      }
      case 'SET_QUOTA': {
        // The pre-QUOTA_V2 call: the guarantee is also the limit (Mesos 1.9+ does the same).
        const req = (call.set_quota ?? missing('set_quota')).quota_request;
        const guarantee = Resources.of(parseResourceList(req.guarantee, 'set_quota.quota_request.guarantee'));
        await this.master.roles.updateQuotas([{ role: req.role ?? missing('set_quota.quota_request.role'), guarantee, limit: guarantee }]);
        return null;
      }
      case 'REMOVE_QUOTA':
        await this.master.roles.updateQuotas([{ role: (call.remove_quota ?? missing('remove_quota')).role, guarantee: Resources.empty(), limit: null }]);
        return null;
      case 'GET_OPERATIONS':
        // Only LAUNCH is supported, and Mesos lists no operations for it.
        return { type, get_operations: { operations: [] } };
      case 'TEARDOWN': {
        const id = (call.teardown ?? missing('teardown')).framework_id.value;
        if (!ctx.state.frameworks.has(id)) throw new TsmesosError('BAD_REQUEST', `No framework found with specified ID ${id}`);
        await this.master.frameworks.remove(id);
        return null;
      }
      case 'MARK_AGENT_GONE':
        await this.master.agents.markGone((call.mark_agent_gone ?? missing('mark_agent_gone')).agent_id.value);
        return null;
      case 'DEACTIVATE_AGENT':
        await this.master.agents.maintenance.deactivate((call.deactivate_agent ?? missing('deactivate_agent')).agent_id.value);
        return null;
      case 'REACTIVATE_AGENT':
        await this.master.agents.maintenance.reactivate((call.reactivate_agent ?? missing('reactivate_agent')).agent_id.value);
        return null;
      case 'DRAIN_AGENT': {
        const d = call.drain_agent ?? missing('drain_agent');
        const maxGraceMs = d.max_grace_period === undefined ? null : parseProtoDuration(d.max_grace_period, 'drain_agent.max_grace_period');
        await this.master.agents.maintenance.drain(d.agent_id.value, maxGraceMs, d.mark_gone ?? false);
        return null;
      }
      case 'GET_HEALTH':
      case 'GET_FLAGS':
      case 'GET_VERSION':
      case 'GET_LOGGING_LEVEL':
      case 'SET_LOGGING_LEVEL':
      case 'SUBSCRIBE':
        throw new TsmesosError('INTERNAL', `${type} is not answered here`);
      case 'UNKNOWN':
        return missing('type');
      case 'LIST_FILES':
      case 'READ_FILE':
        // Answered by the HTTP edge (api/master-log.ts): each master serves its own log.
        throw new TsmesosError('INTERNAL', `${type} is not answered here`);
      case 'RESERVE_RESOURCES': {
        const r = call.reserve_resources ?? missing('reserve_resources');
        if (r.source.length > 0) notYet(type, "changing an existing reservation ('source') is not supported; UNRESERVE, then RESERVE");
        await this.master.reservations.operate('RESERVE', r.agent_id.value, r.resources);
        return null;
      }
      case 'UNRESERVE_RESOURCES': {
        const r = call.unreserve_resources ?? missing('unreserve_resources');
        await this.master.reservations.operate('UNRESERVE', r.agent_id.value, r.resources);
        return null;
      }
      case 'CREATE_VOLUMES':
      case 'DESTROY_VOLUMES':
      case 'GROW_VOLUME':
      case 'SHRINK_VOLUME':
        return notYet(type, 'persistent volumes are not supported yet');
      case 'UPDATE_MAINTENANCE_SCHEDULE':
        await this.master.maintenance.updateSchedule((call.update_maintenance_schedule ?? missing('update_maintenance_schedule')).schedule.windows);
        return null;
      case 'START_MAINTENANCE':
        await this.master.maintenance.start((call.start_maintenance ?? missing('start_maintenance')).machines);
        return null;
      case 'STOP_MAINTENANCE':
        await this.master.maintenance.stop((call.stop_maintenance ?? missing('stop_maintenance')).machines);
        return null;
    }
  }

  /** SUBSCRIBE: SUBSCRIBED with the whole state, then every change as it happens, and HEARTBEATs. */
  subscribe(): OperatorStream {
    const ctx = this.master.ctx;
    const stream = operatorStream();
    const intervalSeconds = ctx.timings.frameworkHeartbeatSeconds;
    stream.send({ type: 'SUBSCRIBED', subscribed: { get_state: getState(ctx), heartbeat_interval_seconds: intervalSeconds } });
    const unsubscribe = ctx.events.on((e) => {
      const event = operatorEventOf(ctx, e);
      if (event !== null) stream.send(event);
    });
    const heartbeat = ctx.clock.setInterval(() => stream.send({ type: 'HEARTBEAT' }), intervalSeconds * 1000);
    this.subscribers.add(stream);
    stream.onClose(() => {
      unsubscribe();
      heartbeat.cancel();
      this.subscribers.delete(stream);
    });
    return stream;
  }

  /** The master stops leading: subscribers reconnect to the next leader. */
  shutdown(): void {
    for (const s of [...this.subscribers]) s.close();
  }
}

/** A QuotaConfig map (`{"cpus": {"value": 2}}`) as resources; bad names or values are a 400. */
function scalarsToResources(m: Readonly<Record<string, { value: number }>>): Resources {
  return Resources.of(parseResourceList(Object.entries(m).map(([name, s]) => ({ name, type: 'SCALAR', scalar: { value: s.value } })), 'quota'));
}

function scalarMap(r: Resources): Record<string, { value: number }> {
  return Object.fromEntries(r.toArray().flatMap((x) => (x.type === 'SCALAR' ? [[x.name, { value: x.scalar.value }]] : [])));
}

export function quotaStatus(quotas: ReadonlyMap<string, RoleQuota>): { infos: { role: string; guarantee: ReturnType<typeof resourceMessages> }[]; configs: { role: string; guarantees?: Record<string, { value: number }>; limits?: Record<string, { value: number }> }[] } {
  const roles = [...quotas.keys()].sort();
  return {
    infos: roles.map((role) => ({ role, guarantee: resourceMessages(quotas.get(role)!.guarantee) })),
    configs: roles.map((role) => {
      const q = quotas.get(role)!;
      return { role, guarantees: scalarMap(q.guarantee), ...(q.limit ? { limits: scalarMap(q.limit) } : {}) };
    }),
  };
}

/**
 * google.protobuf.Duration in its JSON form ("1.5s", "-3s"): Mesos takes it for
 * DrainAgent.max_grace_period. Negative or malformed values are a 400.
 */
export function parseProtoDuration(text: string, where: string): number {
  const m = /^([0-9]{1,12})(?:\.([0-9]{1,9}))?s$/.exec(text);
  if (!m) throw new TsmesosError('BAD_REQUEST', `${where}: expected a duration such as "30s" or "1.5s", got '${text.slice(0, 40)}'`);
  return Number(m[1]) * 1000 + Number(`0.${m[2] ?? '0'}`) * 1000;
}

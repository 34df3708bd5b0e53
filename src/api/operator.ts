import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import { ANY_MASTER_CALLS, callType, isAcceptedCall, localResponse } from '../master/operator-calls.js';
import { decode, encode } from '../wire/codec.js';
import { stringifyJson } from '../lib/json-fragment.js';
import { OperatorCall, OperatorResponse } from '../wire/operator.js';
import { checkV1Headers, readJsonBody, streamContentHeaders } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { allowedFor, requireAllowed, visibleTo } from './http-auth.js';
import { getFrameworks, getState, getTasks } from '../master/operator-views.js';
import type { Context } from 'hono';
import type { LogVerbosity } from '../lib/log.js';
import { masterFilesCall } from './master-log.js';

export const OPERATOR_MAX_BODY = 1024 * 1024;

/**
 * `POST /api/v1` (Mesos operator API v1, JSON): decode, gate on leadership (GET_HEALTH,
 * GET_FLAGS, GET_VERSION and GET/SET_LOGGING_LEVEL are answered by any master), hand to the
 * master's operator call surface. Actions answer an empty 200 (RESERVE/UNRESERVE_RESOURCES 202), as in Mesos.
 */
export function operatorApp(leadership: Leadership, flags: Readonly<Record<string, string>>, verbosity: LogVerbosity, logFile: string | null = null): Hono {
  const app = new Hono();
  app.all('/api/v1', async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the operator API accepts POST only');
    checkV1Headers(c);
    const call = decode(OperatorCall, await readJsonBody(c, OPERATOR_MAX_BODY), 'call');
    const type = callType(call);
    if (type === 'GET_FLAGS') requireAllowed(c, 'view_flags', undefined, 'view the flags');
    if (type === 'SET_LOGGING_LEVEL') requireAllowed(c, 'set_log_level', undefined, 'change the logging level');
    // Each master's own log (--log-dir), as /master/log.
    if (type === 'LIST_FILES' || type === 'READ_FILE') return c.json(encode(OperatorResponse, await masterFilesCall(call, logFile)));
    if (ANY_MASTER_CALLS.has(type)) {
      const local = localResponse(call, flags, verbosity);
      return local === null ? c.body(null, 200) : c.json(encode(OperatorResponse, local));
    }
    const framing = type === 'SUBSCRIBE' ? streamContentHeaders(c.req.header('accept'), c.req.header('message-accept')) : null;
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    if (gated instanceof Response) return gated;
    authorizeCall(c, call);
    // Reads a principal may see only part of: rendered from its view of the state.
    if (type === 'GET_STATE' || type === 'GET_FRAMEWORKS' || type === 'GET_TASKS') {
      const ctx = visibleTo(c, gated.ctx);
      if (ctx !== gated.ctx) {
        const response = type === 'GET_STATE' ? { type, get_state: getState(ctx) } : type === 'GET_FRAMEWORKS' ? { type, get_frameworks: getFrameworks(ctx) } : { type, get_tasks: getTasks(ctx) };
        return c.body(stringifyJson(encode(OperatorResponse, response)), 200, { 'Content-Type': 'application/json' });
      }
    }
    if (framing !== null) {
      const stream = gated.operatorCalls.subscribe();
      return new Response(stream.body, { status: 200, headers: { ...framing, 'Cache-Control': 'no-cache' } });
    }
    if (type === 'TEARDOWN') {
      const id = call.teardown?.framework_id.value;
      const fw = id !== undefined ? gated.ctx.state.frameworks.get(id) : undefined;
      if (fw) requireAllowed(c, 'teardown_frameworks', fw.info.principal, `tear down framework ${fw.id}`);
    }
    const response = await gated.operatorCalls.execute(call, leadership.electedTime());
    if (response === null) return c.body(null, isAcceptedCall(type) ? 202 : 200);
    return c.body(stringifyJson(encode(OperatorResponse, filterResponse(c, response))), 200, { 'Content-Type': 'application/json' });
  });
  return app;
}

export type Machine = { hostname?: string | undefined; ip?: string | undefined };
/** A machine as ACLs name it: its hostname, else its IP. */
const machineName = (m: Machine): string | undefined => m.hostname ?? m.ip;

interface WireReservation { role?: string | undefined; principal?: string | undefined }
export interface WireResource { role?: string | undefined; reservations?: readonly WireReservation[] | undefined; reservation?: { principal?: string | undefined } | undefined }

/** The reservation a RESERVE/UNRESERVE acts on: the top of the stack (or the pre-refinement role). */
function topReservation(r: WireResource): WireReservation {
  const stack = r.reservations;
  if (stack !== undefined && stack.length > 0) return stack[stack.length - 1]!;
  return r.role !== undefined && r.role !== '*' ? { role: r.role, principal: r.reservation?.principal } : {};
}

/** 403 unless every machine may be acted on (ACL objects: hostname, else IP). */
export function requireMachines(c: Context, action: 'update_maintenance_schedules' | 'start_maintenances' | 'stop_maintenances', list: readonly Machine[], what: string): void {
  for (const m of list) requireAllowed(c, action, machineName(m), `${what} machine ${String(machineName(m)).slice(0, 255)}`);
}

/** 403 unless every resource may be reserved for its role (RESERVE) or unreserved from its reserver principal (UNRESERVE). */
export function requireReservations(c: Context, kind: 'RESERVE' | 'UNRESERVE', resources: readonly WireResource[]): void {
  for (const r of resources) {
    const top = topReservation(r);
    if (kind === 'RESERVE') requireAllowed(c, 'reserve_resources', top.role, `reserve resources for role '${String(top.role).slice(0, 256)}'`);
    else requireAllowed(c, 'unreserve_resources', top.principal, `unreserve resources reserved by ${top.principal !== undefined ? `'${top.principal.slice(0, 128)}'` : 'no principal'}`);
  }
}

/** Maintenance reads trimmed to the machines this request may see. */
export function visibleMachines<M extends Machine>(c: Context, action: 'get_maintenance_schedules' | 'get_maintenance_statuses', list: readonly M[]): M[] {
  return list.filter((m) => allowedFor(c, action, machineName(m)));
}

/** The ACLs of operator calls that act (403 before anything changes) or read what is all-or-nothing. */
function authorizeCall(c: Context, call: OperatorCall): void {
  const agent = (what: string, action: 'mark_agents_gone' | 'drain_agents' | 'deactivate_agents' | 'reactivate_agents', id: string): void =>
    requireAllowed(c, action, undefined, `${what} agent ${id.slice(0, 100)}`);
  const machines = (action: 'update_maintenance_schedules' | 'start_maintenances' | 'stop_maintenances', list: readonly Machine[], what: string): void => requireMachines(c, action, list, what);
  switch (callType(call)) {
    case 'SUBSCRIBE':
      // The event stream shows every framework and task: only to who may see them all.
      requireAllowed(c, 'view_frameworks', undefined, 'subscribe to the event stream (all frameworks)');
      requireAllowed(c, 'view_tasks', undefined, 'subscribe to the event stream (all tasks)');
      return;
    case 'GET_METRICS':
      requireAllowed(c, 'get_endpoints', '/metrics/snapshot', 'read the metrics');
      return;
    case 'MARK_AGENT_GONE':
      return agent('mark gone', 'mark_agents_gone', call.mark_agent_gone?.agent_id.value ?? '');
    case 'DRAIN_AGENT':
      return agent('drain', 'drain_agents', call.drain_agent?.agent_id.value ?? '');
    case 'DEACTIVATE_AGENT':
      return agent('deactivate', 'deactivate_agents', call.deactivate_agent?.agent_id.value ?? '');
    case 'REACTIVATE_AGENT':
      return agent('reactivate', 'reactivate_agents', call.reactivate_agent?.agent_id.value ?? '');
    case 'UPDATE_MAINTENANCE_SCHEDULE':
      for (const w of call.update_maintenance_schedule?.schedule.windows ?? []) machines('update_maintenance_schedules', w.machine_ids, 'schedule maintenance of');
      return;
    case 'START_MAINTENANCE':
      return machines('start_maintenances', call.start_maintenance?.machines ?? [], 'start maintenance of');
    case 'STOP_MAINTENANCE':
      return machines('stop_maintenances', call.stop_maintenance?.machines ?? [], 'stop maintenance of');
    case 'UPDATE_WEIGHTS':
      for (const w of call.update_weights?.weight_infos ?? []) requireAllowed(c, 'update_weights', w.role, `update the weight of role '${String(w.role).slice(0, 256)}'`);
      return;
    case 'UPDATE_QUOTA':
      for (const q of call.update_quota?.quota_configs ?? []) requireAllowed(c, 'update_quotas', q.role, `update the quota of role '${q.role.slice(0, 256)}'`);
      return;
    case 'SET_QUOTA': {
      const role = call.set_quota?.quota_request.role;
      requireAllowed(c, 'update_quotas', role, `set the quota of role '${String(role).slice(0, 256)}'`);
      return;
    }
    case 'REMOVE_QUOTA': {
      const role = call.remove_quota?.role;
      requireAllowed(c, 'update_quotas', role, `remove the quota of role '${String(role).slice(0, 256)}'`);
      return;
    }
    case 'RESERVE_RESOURCES':
      return requireReservations(c, 'RESERVE', (call.reserve_resources?.resources ?? []));
    case 'UNRESERVE_RESOURCES':
      return requireReservations(c, 'UNRESERVE', (call.unreserve_resources?.resources ?? []));
    default:
      return;
  }
}

/** Read answers trimmed to what this request may see: roles, weights, quotas, maintenance by machine. */
function filterResponse(c: Context, r: OperatorResponse): OperatorResponse {
  const role = (action: 'view_roles' | 'get_quotas', name: string | undefined): boolean => allowedFor(c, action, name);
  const machine = (action: 'get_maintenance_schedules' | 'get_maintenance_statuses', m: Machine): boolean => allowedFor(c, action, machineName(m));
  if (r.get_roles) return { ...r, get_roles: { ...r.get_roles, roles: r.get_roles.roles.filter((x) => role('view_roles', x.name)) } };
  if (r.get_weights) return { ...r, get_weights: { ...r.get_weights, weight_infos: r.get_weights.weight_infos.filter((w) => role('view_roles', w.role)) } };
  if (r.get_quota) {
    const s = r.get_quota.status;
    return { ...r, get_quota: { ...r.get_quota, status: { ...s, infos: s.infos.filter((q) => role('get_quotas', q.role)), configs: s.configs.filter((q) => role('get_quotas', q.role)) } } };
  }
  if (r.get_maintenance_schedule) {
    const windows = r.get_maintenance_schedule.schedule.windows
      .map((w) => ({ ...w, machine_ids: w.machine_ids.filter((m) => machine('get_maintenance_schedules', m)) }))
      .filter((w) => w.machine_ids.length > 0);
    return { ...r, get_maintenance_schedule: { schedule: { ...r.get_maintenance_schedule.schedule, windows } } };
  }
  if (r.get_maintenance_status) {
    const st = r.get_maintenance_status.status;
    return {
      ...r,
      get_maintenance_status: { status: { ...st, draining_machines: st.draining_machines.filter((d) => machine('get_maintenance_statuses', d.id)), down_machines: st.down_machines.filter((m) => machine('get_maintenance_statuses', m)) } },
    };
  }
  return r;
}

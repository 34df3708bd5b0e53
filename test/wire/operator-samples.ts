// Canonical operator API v1 JSON samples (apache/mesos include/mesos/v1/master/master.proto and
// docs/operator-http-api.md), one or more per Call, Response and Event type tsmesos reads or writes.
// Canonical: no nulls, no empty repeated fields, enums as names; the Response payloads
// (`get_*`) and maintenance/quota `status`/`schedule` are printed even when empty, as Mesos does.
import { OperatorCall, OperatorEvent, OperatorResponse } from '../../src/wire/operator.js';
import { PARTS, type Sample } from './samples.js';

const { cpus, mem, frameworkInfo, status, masterInfo, offer, agentInfo } = PARTS;
const s = (name: string, schema: Sample['schema'], json: Record<string, unknown>): Sample => ({ name, schema, json });
const agentId = { value: '628984d0-4213-4140-bcb0-99d7ef46b1df-S0' };
const frameworkId = { value: '628984d0-4213-4140-bcb0-99d7ef46b1df-0000' };
const t = (ns: number): { nanoseconds: number } => ({ nanoseconds: ns });

const task = {
  name: 'test', task_id: { value: 'test-1' }, framework_id: frameworkId, agent_id: agentId, state: 'TASK_RUNNING',
  resources: [cpus, mem], statuses: [status], status_update_state: 'TASK_RUNNING', status_update_uuid: 'jhadf73jhakdlfha723adf==',
  labels: { labels: [{ key: 'a', value: 'b' }] }, kill_policy: { grace_period: { nanoseconds: 3_000_000_000 } }, user: 'root',
  limits: { cpus: { value: 2 } },
};
const agent = {
  agent_info: agentInfo, active: true, deactivated: false, version: '1.11.0', pid: 'slave(1)@127.0.1.1:5051',
  registered_time: t(1_453_778_213_000_000_000), reregistered_time: t(1_453_778_214_000_000_000),
  total_resources: [cpus, mem], allocated_resources: [cpus], offered_resources: [mem], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }],
};
const framework = {
  framework_info: frameworkInfo, active: true, connected: true, recovered: false, registered_time: t(1_470_820_172_046_531_840),
  reregistered_time: t(1_470_820_172_046_531_840), unregistered_time: t(1_470_820_173_000_000_000), offers: [offer],
  allocated_resources: [cpus], offered_resources: [mem],
};
const getTasks = { tasks: [task], unreachable_tasks: [{ ...task, state: 'TASK_UNREACHABLE' }], completed_tasks: [{ ...task, state: 'TASK_FINISHED' }] };
const getFrameworks = { frameworks: [framework], completed_frameworks: [{ ...framework, active: false, connected: false }] };
const getAgents = { agents: [agent], recovered_agents: [agentInfo] };
const getExecutors = { executors: [{ executor_info: PARTS.executorTask.executor, agent_id: agentId }] };
const getState = { get_tasks: getTasks, get_executors: getExecutors, get_frameworks: getFrameworks, get_agents: getAgents };
const machine = { hostname: 'myhost', ip: '0.0.0.2' };

export const OPERATOR_SAMPLES: Sample[] = [
  // Calls (master.proto Call)
  ...['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_LOGGING_LEVEL', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS',
    'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'GET_MASTER', 'SUBSCRIBE', 'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'GET_QUOTA']
    .map((type) => s(`Call ${type}`, OperatorCall, { type })),
  s('Call GET_METRICS', OperatorCall, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5_000_000_000 } } }),
  s('Call SET_LOGGING_LEVEL', OperatorCall, { type: 'SET_LOGGING_LEVEL', set_logging_level: { duration: { nanoseconds: 60_000_000_000 }, level: 1 } }),
  s('Call LIST_FILES', OperatorCall, { type: 'LIST_FILES', list_files: { path: 'one/' } }),
  s('Call READ_FILE', OperatorCall, { type: 'READ_FILE', read_file: { length: 6, offset: 1, path: 'myname' } }),
  s('Call UPDATE_WEIGHTS', OperatorCall, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'role', weight: 2 }] } }),
  s('Call RESERVE_RESOURCES', OperatorCall, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, source: [cpus], resources: [cpus] } }),
  s('Call UNRESERVE_RESOURCES', OperatorCall, { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: agentId, resources: [cpus] } }),
  s('Call CREATE_VOLUMES', OperatorCall, { type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentId, volumes: [cpus] } }),
  s('Call DESTROY_VOLUMES', OperatorCall, { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: agentId, volumes: [cpus] } }),
  s('Call GROW_VOLUME', OperatorCall, { type: 'GROW_VOLUME', grow_volume: { agent_id: agentId, volume: cpus, addition: cpus } }),
  s('Call SHRINK_VOLUME', OperatorCall, { type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentId, volume: cpus, subtract: { value: 1 } } }),
  s('Call UPDATE_MAINTENANCE_SCHEDULE', OperatorCall, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [machine], unavailability: { start: t(1_470_849_373_150_643_200) } }] } } }),
  s('Call START_MAINTENANCE', OperatorCall, { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine] } }),
  s('Call STOP_MAINTENANCE', OperatorCall, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine] } }),
  s('Call DRAIN_AGENT', OperatorCall, { type: 'DRAIN_AGENT', drain_agent: { agent_id: agentId, max_grace_period: '10s', mark_gone: true } }),
  s('Call DEACTIVATE_AGENT', OperatorCall, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: agentId } }),
  s('Call REACTIVATE_AGENT', OperatorCall, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: agentId } }),
  s('Call UPDATE_QUOTA', OperatorCall, { type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }] } }),
  s('Call SET_QUOTA', OperatorCall, { type: 'SET_QUOTA', set_quota: { quota_request: { force: true, guarantee: [cpus], role: 'role1' } } }),
  s('Call REMOVE_QUOTA', OperatorCall, { type: 'REMOVE_QUOTA', remove_quota: { role: 'role1' } }),
  s('Call TEARDOWN', OperatorCall, { type: 'TEARDOWN', teardown: { framework_id: frameworkId } }),
  s('Call MARK_AGENT_GONE', OperatorCall, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: agentId } }),
  // Responses (master.proto Response)
  s('Response GET_HEALTH', OperatorResponse, { type: 'GET_HEALTH', get_health: { healthy: true } }),
  s('Response GET_FLAGS', OperatorResponse, { type: 'GET_FLAGS', get_flags: { flags: [{ name: 'acls', value: '' }, { name: 'port', value: '5050' }, { name: 'unset' }] } }),
  s('Response GET_VERSION', OperatorResponse, { type: 'GET_VERSION', get_version: { version_info: { version: '1.11.0', build_date: '2016-06-24 23:18:37', build_time: 1_466_810_317, build_user: 'root', git_sha: 'abc', git_branch: 'main', git_tag: '1.11.0' } } }),
  s('Response GET_METRICS', OperatorResponse, { type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'allocator/event_queue_dispatches', value: 1 }, { name: 'master/cpus_total', value: 0 }, { name: 'unset' }] } }),
  s('Response GET_LOGGING_LEVEL', OperatorResponse, { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 0 } }),
  s('Response LIST_FILES', OperatorResponse, { type: 'LIST_FILES', list_files: { file_infos: [{ path: 'one/two', size: 3 }] } }),
  s('Response READ_FILE', OperatorResponse, { type: 'READ_FILE', read_file: { data: 'cXVlbmNl', size: 7 } }),
  s('Response GET_STATE', OperatorResponse, { type: 'GET_STATE', get_state: getState }),
  s('Response GET_STATE (empty cluster)', OperatorResponse, { type: 'GET_STATE', get_state: { get_tasks: {}, get_executors: {}, get_frameworks: {}, get_agents: {} } }),
  s('Response GET_AGENTS', OperatorResponse, { type: 'GET_AGENTS', get_agents: getAgents }),
  s('Response GET_FRAMEWORKS', OperatorResponse, { type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks }),
  s('Response GET_EXECUTORS', OperatorResponse, { type: 'GET_EXECUTORS', get_executors: getExecutors }),
  s('Response GET_OPERATIONS', OperatorResponse, { type: 'GET_OPERATIONS', get_operations: { operations: [{ framework_id: frameworkId, agent_id: agentId, info: { type: 'RESERVE', id: { value: 'op' }, reserve: { resources: [cpus] } }, latest_status: { operation_id: { value: 'op' }, state: 'OPERATION_FINISHED', uuid: { value: 'AAECAwQFBgcICQoLDA0ODw==' } }, statuses: [{ state: 'OPERATION_PENDING' }], uuid: { value: 'AAECAwQFBgcICQoLDA0ODw==' } }] } }),
  s('Response GET_OPERATIONS (none)', OperatorResponse, { type: 'GET_OPERATIONS', get_operations: {} }),
  s('Response GET_TASKS', OperatorResponse, { type: 'GET_TASKS', get_tasks: getTasks }),
  s('Response GET_ROLES', OperatorResponse, { type: 'GET_ROLES', get_roles: { roles: [{ name: '*', weight: 1 }, { name: 'role1', weight: 2.5, frameworks: [frameworkId], resources: [cpus] }] } }),
  s('Response GET_WEIGHTS', OperatorResponse, { type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ role: 'role', weight: 2 }] } }),
  s('Response GET_WEIGHTS (none)', OperatorResponse, { type: 'GET_WEIGHTS', get_weights: {} }),
  s('Response GET_MASTER', OperatorResponse, { type: 'GET_MASTER', get_master: { master_info: masterInfo, start_time: 1_470_849_373.1, elected_time: 1_470_849_374.5 } }),
  s('Response GET_MAINTENANCE_STATUS', OperatorResponse, { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: { draining_machines: [{ id: machine, statuses: [{ status: 'ACCEPT', framework_id: frameworkId, timestamp: t(1) }] }], down_machines: [{ hostname: 'down' }] } } }),
  s('Response GET_MAINTENANCE_STATUS (none)', OperatorResponse, { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: {} } }),
  s('Response GET_MAINTENANCE_SCHEDULE', OperatorResponse, { type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: { windows: [{ machine_ids: [machine], unavailability: { start: t(1_470_849_373_150_643_200), duration: t(3_600_000_000_000) } }] } } }),
  s('Response GET_MAINTENANCE_SCHEDULE (none)', OperatorResponse, { type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: {} } }),
  s('Response GET_QUOTA', OperatorResponse, { type: 'GET_QUOTA', get_quota: { status: { infos: [{ role: 'dev', principal: 'p', guarantee: [cpus] }], configs: [{ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { mem: { value: 1024 } } }] } } }),
  s('Response GET_QUOTA (none)', OperatorResponse, { type: 'GET_QUOTA', get_quota: { status: {} } }),
  // Events (master.proto Event)
  s('Event SUBSCRIBED', OperatorEvent, { type: 'SUBSCRIBED', subscribed: { get_state: getState, heartbeat_interval_seconds: 15 } }),
  s('Event TASK_ADDED', OperatorEvent, { type: 'TASK_ADDED', task_added: { task: { ...task, state: 'TASK_STAGING' } } }),
  s('Event TASK_UPDATED', OperatorEvent, { type: 'TASK_UPDATED', task_updated: { framework_id: frameworkId, status, state: 'TASK_RUNNING' } }),
  s('Event AGENT_ADDED', OperatorEvent, { type: 'AGENT_ADDED', agent_added: { agent } }),
  s('Event AGENT_REMOVED', OperatorEvent, { type: 'AGENT_REMOVED', agent_removed: { agent_id: agentId } }),
  s('Event FRAMEWORK_ADDED', OperatorEvent, { type: 'FRAMEWORK_ADDED', framework_added: { framework } }),
  s('Event FRAMEWORK_UPDATED', OperatorEvent, { type: 'FRAMEWORK_UPDATED', framework_updated: { framework } }),
  s('Event FRAMEWORK_REMOVED', OperatorEvent, { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: frameworkInfo } }),
  s('Event HEARTBEAT', OperatorEvent, { type: 'HEARTBEAT' }),
];

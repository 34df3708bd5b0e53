// include/mesos/v1/master/master.proto: the operator API's Call, Response and Event.
// Every call type decodes (with its payload); which ones the master serves is decided in
// src/master/operator-calls.ts.
import type { z } from 'zod';
import { bool, bytes, double, enumOf, int64, message, opt, rep, req, str, uint32 } from './codec.js';
import { AgentID, DurationInfo, FrameworkID, FrameworkInfo, MasterInfo, Resource, ResourceList, Scalar, TaskState, TaskStatus } from './mesos.js';
import {
  ClusterStatus, Flag, FrameworkEntryMessage, AgentEntryMessage, GetAgents, GetExecutors, GetFrameworks, GetState, GetTasks,
  MachineID, MaintenanceSchedule, Metric, Operation, QuotaConfig, QuotaStatus, Role, Task, VersionInfo, WeightInfo,
} from './operator-objects.js';

export const OPERATOR_CALL_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL',
  'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS',
  'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'UPDATE_WEIGHTS', 'GET_MASTER', 'SUBSCRIBE', 'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE',
  'STOP_MAINTENANCE', 'DRAIN_AGENT', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT', 'GET_QUOTA', 'UPDATE_QUOTA',
  'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE',
] as const;
export type OperatorCallType = (typeof OPERATOR_CALL_TYPES)[number];

const agentOnly = () => message({ agent_id: req(AgentID) });
const machines = () => message({ machines: rep(MachineID, 10_000) });

/** quota.proto QuotaRequest: SET_QUOTA's payload and the body of POST /master/quota. */
export const QuotaRequest = message({ force: opt(bool()), role: opt(str(256)), guarantee: ResourceList });

export const OperatorCall = message({
  type: opt(enumOf(OPERATOR_CALL_TYPES)),
  get_metrics: opt(message({ timeout: opt(DurationInfo) })),
  set_logging_level: opt(message({ level: req(uint32()), duration: req(DurationInfo) })),
  list_files: opt(message({ path: req(str(4096)) })),
  read_file: opt(message({ path: req(str(4096)), offset: req(int64()), length: opt(int64()) })),
  update_weights: opt(message({ weight_infos: rep(WeightInfo, 10_000) })),
  reserve_resources: opt(message({ agent_id: req(AgentID), source: ResourceList, resources: ResourceList })),
  unreserve_resources: opt(message({ agent_id: req(AgentID), resources: ResourceList })),
  create_volumes: opt(message({ agent_id: req(AgentID), volumes: ResourceList })),
  destroy_volumes: opt(message({ agent_id: req(AgentID), volumes: ResourceList })),
  grow_volume: opt(message({ agent_id: opt(AgentID), volume: req(Resource), addition: req(Resource) })),
  shrink_volume: opt(message({ agent_id: opt(AgentID), volume: req(Resource), subtract: req(Scalar) })),
  update_maintenance_schedule: opt(message({ schedule: req(MaintenanceSchedule) })),
  start_maintenance: opt(machines()),
  stop_maintenance: opt(machines()),
  // google.protobuf.Duration prints as a string ("10s") in proto3 JSON.
  drain_agent: opt(message({ agent_id: req(AgentID), max_grace_period: opt(str(64)), mark_gone: opt(bool()) })),
  deactivate_agent: opt(agentOnly()),
  reactivate_agent: opt(agentOnly()),
  update_quota: opt(message({ force: opt(bool()), quota_configs: rep(QuotaConfig, 10_000) })),
  teardown: opt(message({ framework_id: req(FrameworkID) })),
  mark_agent_gone: opt(agentOnly()),
  set_quota: opt(message({ quota_request: req(QuotaRequest) })),
  remove_quota: opt(message({ role: req(str(256)) })),
});
export type OperatorCall = z.output<typeof OperatorCall>;

export const OPERATOR_RESPONSE_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'LIST_FILES', 'READ_FILE',
  'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_ROLES',
  'GET_WEIGHTS', 'GET_MASTER', 'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'GET_QUOTA',
] as const;

export const OperatorResponse = message({
  type: opt(enumOf(OPERATOR_RESPONSE_TYPES)),
  get_health: opt(message({ healthy: req(bool()) })),
  get_flags: opt(message({ flags: rep(Flag, 10_000) })),
  get_version: opt(message({ version_info: req(VersionInfo) })),
  get_metrics: opt(message({ metrics: rep(Metric, 100_000) })),
  get_logging_level: opt(message({ level: req(uint32()) })),
  list_files: opt(message({ file_infos: rep(message({ path: req(str(4096)), size: opt(int64()) }), 100_000) })),
  read_file: opt(message({ size: req(int64()), data: req(bytes()) })),
  get_state: opt(GetState),
  get_agents: opt(GetAgents),
  get_frameworks: opt(GetFrameworks),
  get_executors: opt(GetExecutors),
  get_operations: opt(message({ operations: rep(Operation, 100_000) })),
  get_tasks: opt(GetTasks),
  get_roles: opt(message({ roles: rep(Role, 100_000) })),
  get_weights: opt(message({ weight_infos: rep(WeightInfo, 100_000) })),
  get_master: opt(message({ master_info: opt(MasterInfo), start_time: opt(double()), elected_time: opt(double()) })),
  get_maintenance_status: opt(message({ status: req(ClusterStatus) })),
  get_maintenance_schedule: opt(message({ schedule: req(MaintenanceSchedule) })),
  get_quota: opt(message({ status: req(QuotaStatus) })),
});
export type OperatorResponse = z.output<typeof OperatorResponse>;

export const OPERATOR_EVENT_TYPES = [
  'UNKNOWN', 'SUBSCRIBED', 'TASK_ADDED', 'TASK_UPDATED', 'AGENT_ADDED', 'AGENT_REMOVED', 'FRAMEWORK_ADDED',
  'FRAMEWORK_UPDATED', 'FRAMEWORK_REMOVED', 'HEARTBEAT',
] as const;

export const OperatorEvent = message({
  type: opt(enumOf(OPERATOR_EVENT_TYPES)),
  subscribed: opt(message({ get_state: opt(GetState), heartbeat_interval_seconds: opt(double()) })),
  task_added: opt(message({ task: req(Task) })),
  task_updated: opt(message({ framework_id: req(FrameworkID), status: req(TaskStatus), state: req(TaskState) })),
  agent_added: opt(message({ agent: req(AgentEntryMessage) })),
  agent_removed: opt(message({ agent_id: req(AgentID) })),
  framework_added: opt(message({ framework: req(FrameworkEntryMessage) })),
  framework_updated: opt(message({ framework: req(FrameworkEntryMessage) })),
  framework_removed: opt(message({ framework_info: req(FrameworkInfo) })),
});
export type OperatorEvent = z.output<typeof OperatorEvent>;

// include/mesos/v1/agent/agent.proto: the agent's operator API (`POST /api/v1` on the agent).
// Every call type decodes (with the payloads tsmesos reads); which ones the agent serves is decided
// in src/agent/operator-calls.ts. Shared messages (Task, Flag, VersionInfo, Metric) are the master's.
import type { z } from 'zod';
import { bool, bytes, double, enumOf, int32, int64, message, opt, rep, req, str, uint32 } from './codec.js';
import {
  AgentInfo, ContainerID, DurationInfo, ExecutorInfo, FrameworkID, ExecutorID, FrameworkInfo, TaskState, TASK_STATUS_REASONS, TimeInfo,
  Resource,
} from './mesos.js';
import { Flag, Metric, Task, VersionInfo } from './operator-objects.js';

export const AGENT_CALL_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL',
  'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS',
  'GET_TASKS', 'GET_AGENT', 'GET_RESOURCE_PROVIDERS', 'LAUNCH_NESTED_CONTAINER', 'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER', 'REMOVE_NESTED_CONTAINER', 'LAUNCH_NESTED_CONTAINER_SESSION', 'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT', 'LAUNCH_CONTAINER', 'WAIT_CONTAINER', 'KILL_CONTAINER', 'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG', 'UPDATE_RESOURCE_PROVIDER_CONFIG', 'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE', 'PRUNE_IMAGES',
] as const;
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];

const containerOnly = () => message({ container_id: req(ContainerID) });

/** agent.proto Call. ReadFile's offset and length are uint64 there. */
export const AgentOperatorCall = message({
  type: opt(enumOf(AGENT_CALL_TYPES)),
  get_metrics: opt(message({ timeout: opt(DurationInfo) })),
  set_logging_level: opt(message({ level: req(uint32()), duration: req(DurationInfo) })),
  list_files: opt(message({ path: req(str(4096)) })),
  read_file: opt(message({ path: req(str(4096)), offset: req(int64()), length: opt(int64()) })),
  get_containers: opt(message({ show_nested: opt(bool()), show_standalone: opt(bool()) })),
  wait_container: opt(containerOnly()),
  kill_container: opt(message({ container_id: req(ContainerID), signal: opt(int32()) })),
  remove_container: opt(containerOnly()),
  wait_nested_container: opt(containerOnly()),
  kill_nested_container: opt(message({ container_id: req(ContainerID), signal: opt(int32()) })),
});
export type AgentOperatorCall = z.output<typeof AgentOperatorCall>;

export const AGENT_RESPONSE_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'LIST_FILES', 'READ_FILE',
  'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_AGENT',
  'GET_RESOURCE_PROVIDERS', 'WAIT_NESTED_CONTAINER', 'WAIT_CONTAINER',
] as const;

/** mesos.proto FileInfo: `mode` is st_mode as a number, `mtime` a TimeInfo. */
export const FileInfo = message({
  path: req(str(4096)),
  nlink: opt(int32()),
  size: opt(int64()),
  mtime: opt(TimeInfo),
  mode: opt(uint32()),
  uid: opt(str(256)),
  gid: opt(str(256)),
});

/** mesos.proto ResourceStatistics, the fields the containerizers measure. */
export const ResourceStatistics = message({
  timestamp: req(double()),
  cpus_user_time_secs: opt(double()),
  cpus_system_time_secs: opt(double()),
  cpus_limit: opt(double()),
  cpus_nr_throttled: opt(uint32()),
  mem_rss_bytes: opt(int64()),
  mem_limit_bytes: opt(int64()),
});

export const ContainerStatus = message({ container_id: opt(ContainerID), executor_pid: opt(uint32()) });

export const AgentTasks = message({
  pending_tasks: rep(Task, 1_000_000),
  queued_tasks: rep(Task, 1_000_000),
  launched_tasks: rep(Task, 1_000_000),
  terminated_tasks: rep(Task, 1_000_000),
  completed_tasks: rep(Task, 1_000_000),
});
export const AgentExecutors = message({
  executors: rep(message({ executor_info: req(ExecutorInfo) }), 1_000_000),
  completed_executors: rep(message({ executor_info: req(ExecutorInfo) }), 1_000_000),
});
export const AgentFrameworks = message({
  frameworks: rep(message({ framework_info: req(FrameworkInfo) }), 100_000),
  completed_frameworks: rep(message({ framework_info: req(FrameworkInfo) }), 100_000),
});
export const AgentContainers = message({
  containers: rep(message({
    framework_id: opt(FrameworkID),
    executor_id: opt(ExecutorID),
    executor_name: opt(str(4096)),
    container_id: req(ContainerID),
    container_status: opt(ContainerStatus),
    resource_statistics: opt(ResourceStatistics),
  }), 1_000_000),
});

const Termination = () => message({
  exit_status: opt(int32()),
  state: opt(TaskState),
  reason: opt(enumOf(TASK_STATUS_REASONS)),
  limitation: opt(message({ resources: rep(Resource, 100) })),
  message: opt(str(64 * 1024)),
});

/** agent.proto Response. */
export const AgentOperatorResponse = message({
  type: opt(enumOf(AGENT_RESPONSE_TYPES)),
  get_health: opt(message({ healthy: req(bool()) })),
  get_flags: opt(message({ flags: rep(Flag, 10_000) })),
  get_version: opt(message({ version_info: req(VersionInfo) })),
  get_metrics: opt(message({ metrics: rep(Metric, 100_000) })),
  get_logging_level: opt(message({ level: req(uint32()) })),
  list_files: opt(message({ file_infos: rep(FileInfo, 1_000_000) })),
  read_file: opt(message({ size: req(int64()), data: req(bytes()) })),
  get_state: opt(message({ get_tasks: opt(AgentTasks), get_executors: opt(AgentExecutors), get_frameworks: opt(AgentFrameworks) })),
  get_containers: opt(AgentContainers),
  get_frameworks: opt(AgentFrameworks),
  get_executors: opt(AgentExecutors),
  get_operations: opt(message({ operations: rep(message({}), 0) })),
  get_tasks: opt(AgentTasks),
  get_agent: opt(message({
    agent_info: opt(AgentInfo),
    drain_config: opt(message({ max_grace_period: opt(DurationInfo), mark_gone: opt(bool()) })),
    estimated_drain_start_time: opt(TimeInfo),
  })),
  get_resource_providers: opt(message({ resource_providers: rep(message({}), 0) })),
  wait_container: opt(Termination()),
  wait_nested_container: opt(Termination()),
});
export type AgentOperatorResponse = z.output<typeof AgentOperatorResponse>;
export type AgentTasks = z.output<typeof AgentTasks>;
export type AgentExecutors = z.output<typeof AgentExecutors>;
export type AgentFrameworks = z.output<typeof AgentFrameworks>;
export type AgentContainers = z.output<typeof AgentContainers>;
export type FileInfo = z.output<typeof FileInfo>;

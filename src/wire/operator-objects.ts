// Messages of include/mesos/v1/mesos.proto, maintenance/maintenance.proto and quota/quota.proto
// that only the operator API (master/master.proto) carries, written from the upstream
// definitions. As in mesos.ts, only fields tsmesos understands are listed; bounds are ours.
import { z } from 'zod';
import { bool, bytes, double, enumOf, message, opt, rep, req, str } from './codec.js';
import {
  AgentID, AgentInfo, ContainerInfo, DurationInfo, ExecutorID, ExecutorInfo, FrameworkID, FrameworkInfo, KillPolicy, Labels, Offer,
  OfferOperation, OperationID, ResourceList, ResourceProviderID, Scalar, TaskID, TaskState, TaskStatus, TimeInfo, Unavailability,
} from './mesos.js';

/** map<string, Value.Scalar> */
const scalarMap = () => z.record(str(256), Scalar);

export const Task = message({
  name: req(str(1024)),
  task_id: req(TaskID),
  framework_id: req(FrameworkID),
  executor_id: opt(ExecutorID),
  agent_id: req(AgentID),
  state: req(TaskState),
  resources: ResourceList,
  statuses: rep(TaskStatus, 10_000),
  status_update_state: opt(TaskState),
  status_update_uuid: opt(bytes(64)),
  labels: opt(Labels),
  container: opt(ContainerInfo),
  kill_policy: opt(KillPolicy),
  user: opt(str(256)),
  limits: opt(scalarMap()),
});

export const Flag = message({ name: req(str(256)), value: opt(str(64 * 1024)) });

export const VersionInfo = message({
  version: req(str(64)),
  build_date: opt(str(64)),
  build_time: opt(double()),
  build_user: opt(str(256)),
  git_sha: opt(str(64)),
  git_branch: opt(str(256)),
  git_tag: opt(str(256)),
});

export const Metric = message({ name: req(str(1024)), value: opt(double()) });

export const Role = message({
  name: req(str(256)),
  weight: req(double()),
  frameworks: rep(FrameworkID, 100_000),
  resources: ResourceList,
});

export const WeightInfo = message({ weight: req(double()), role: opt(str(256)) });

export const AGENT_CAPABILITIES = [
  'UNKNOWN', 'MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME',
  'AGENT_OPERATION_FEEDBACK', 'AGENT_DRAINING', 'TASK_RESOURCE_LIMITS',
] as const;
export const AgentCapability = message({ type: opt(enumOf(AGENT_CAPABILITIES)) });

// maintenance.proto
export const MachineID = message({ hostname: opt(str(255)), ip: opt(str(64)) });
export const MaintenanceWindow = message({ machine_ids: rep(MachineID, 10_000), unavailability: req(Unavailability) });
export const MaintenanceSchedule = message({ windows: rep(MaintenanceWindow, 10_000) });
export const InverseOfferStatus = message({
  status: req(enumOf(['UNKNOWN', 'DECLINE', 'ACCEPT'])),
  framework_id: req(FrameworkID),
  timestamp: req(TimeInfo),
});
export const ClusterStatus = message({
  draining_machines: rep(message({ id: req(MachineID), statuses: rep(InverseOfferStatus, 10_000) }), 10_000),
  down_machines: rep(MachineID, 10_000),
});

// quota.proto
export const QuotaInfo = message({ role: opt(str(256)), principal: opt(str(1024)), guarantee: ResourceList });
export const QuotaConfig = message({ role: req(str(256)), guarantees: opt(scalarMap()), limits: opt(scalarMap()) });
export const QuotaStatus = message({ infos: rep(QuotaInfo, 10_000), configs: rep(QuotaConfig, 10_000) });

// Operations (mesos.proto Operation / OperationStatus), for GET_OPERATIONS.
export const OPERATION_STATES = [
  'OPERATION_UNSUPPORTED', 'OPERATION_PENDING', 'OPERATION_FINISHED', 'OPERATION_FAILED', 'OPERATION_ERROR',
  'OPERATION_DROPPED', 'OPERATION_UNREACHABLE', 'OPERATION_GONE_BY_OPERATOR', 'OPERATION_RECOVERING', 'OPERATION_UNKNOWN',
] as const;
export const UUID = message({ value: req(bytes(64)) });
export const OperationStatus = message({
  operation_id: opt(OperationID),
  state: req(enumOf(OPERATION_STATES)),
  message: opt(str(64 * 1024)),
  converted_resources: ResourceList,
  uuid: opt(UUID),
  agent_id: opt(AgentID),
  resource_provider_id: opt(ResourceProviderID),
});
export const Operation = message({
  framework_id: opt(FrameworkID),
  agent_id: opt(AgentID),
  info: req(OfferOperation),
  latest_status: req(OperationStatus),
  statuses: rep(OperationStatus, 1000),
  uuid: req(UUID),
});

// mesos.proto DrainInfo: the state of a DRAIN_AGENT and the config it was called with.
export const DrainInfo = message({
  state: req(enumOf(['UNKNOWN', 'DRAINING', 'DRAINED'])),
  config: req(message({ max_grace_period: opt(DurationInfo), mark_gone: opt(bool()) })),
});

// master.proto Response.GetAgents.Agent, GetFrameworks.Framework, GetExecutors.Executor
export const AgentEntryMessage = message({
  agent_info: req(AgentInfo),
  active: req(bool()),
  deactivated: opt(bool()),
  version: req(str(64)),
  pid: opt(str(512)),
  registered_time: opt(TimeInfo),
  reregistered_time: opt(TimeInfo),
  total_resources: ResourceList,
  allocated_resources: ResourceList,
  offered_resources: ResourceList,
  capabilities: rep(AgentCapability, 64),
  drain_info: opt(DrainInfo),
  estimated_drain_start_time: opt(TimeInfo),
});

export const FrameworkEntryMessage = message({
  framework_info: req(FrameworkInfo),
  active: req(bool()),
  connected: req(bool()),
  recovered: req(bool()),
  registered_time: opt(TimeInfo),
  reregistered_time: opt(TimeInfo),
  unregistered_time: opt(TimeInfo),
  offers: rep(Offer, 100_000),
  allocated_resources: ResourceList,
  offered_resources: ResourceList,
});

export const ExecutorEntryMessage = message({ executor_info: req(ExecutorInfo), agent_id: req(AgentID) });

export const GetAgents = message({ agents: rep(AgentEntryMessage, 100_000), recovered_agents: rep(AgentInfo, 100_000) });
export const GetFrameworks = message({
  frameworks: rep(FrameworkEntryMessage, 100_000),
  completed_frameworks: rep(FrameworkEntryMessage, 100_000),
  recovered_frameworks: rep(FrameworkInfo, 100_000),
});
export const GetExecutors = message({ executors: rep(ExecutorEntryMessage, 100_000), orphan_executors: rep(ExecutorEntryMessage, 100_000) });
export const GetTasks = message({
  pending_tasks: rep(Task, 1_000_000),
  tasks: rep(Task, 1_000_000),
  unreachable_tasks: rep(Task, 1_000_000),
  completed_tasks: rep(Task, 1_000_000),
  orphan_tasks: rep(Task, 1_000_000),
});
export const GetState = message({
  get_tasks: opt(GetTasks),
  get_executors: opt(GetExecutors),
  get_frameworks: opt(GetFrameworks),
  get_agents: opt(GetAgents),
});

export type Task = z.output<typeof Task>;
export type AgentEntryMessage = z.output<typeof AgentEntryMessage>;
export type FrameworkEntryMessage = z.output<typeof FrameworkEntryMessage>;
export type GetAgents = z.output<typeof GetAgents>;
export type GetFrameworks = z.output<typeof GetFrameworks>;
export type GetTasks = z.output<typeof GetTasks>;
export type GetExecutors = z.output<typeof GetExecutors>;
export type GetState = z.output<typeof GetState>;
export type Role = z.output<typeof Role>;

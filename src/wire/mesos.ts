// Messages of include/mesos/v1/mesos.proto that tsmesos reads or writes, written from the
// upstream definitions (field names and enum names as there). Only the fields tsmesos
// understands are listed: anything else a client sends is ignored, as protobuf does with
// unknown fields. Bounds (string lengths, list sizes) are ours, against hostile input.
import { z } from 'zod';
import { TASK_STATES } from '../domain/task-state.js';
import { bool, bytes, double, enumOf, idMessage, int32, int64, message, opt, rep, req, str, uint32 } from './codec.js';

export const FrameworkID = idMessage();
export const AgentID = idMessage();
export const OfferID = idMessage();
export const TaskID = idMessage();
export const ExecutorID = idMessage();
export const OperationID = idMessage();
export const ResourceProviderID = idMessage();
export const ContainerID = message({ value: req(str(255)) });

export const DurationInfo = message({ nanoseconds: req(int64()) });
export const TimeInfo = message({ nanoseconds: req(int64()) });

export const Label = message({ key: req(str(1024)), value: opt(str(4096)) });
export const Labels = message({ labels: rep(Label, 256) });
export const Parameter = message({ key: req(str(1024)), value: req(str(64 * 1024)) });
export const Parameters = message({ parameter: rep(Parameter, 256) });

export const ValueType = enumOf(['SCALAR', 'RANGES', 'SET', 'TEXT']);
export const Scalar = message({ value: req(double()) });
export const Range = message({ begin: req(int64()), end: req(int64()) });
export const Ranges = message({ range: rep(Range, 100_000) });
export const ValueSet = message({ item: rep(str(1024), 10_000) });
export const Text = message({ value: req(str(64 * 1024)) });

export const Volume = message({
  mode: opt(enumOf(['RW', 'RO'])),
  container_path: req(str(4096)),
  host_path: opt(str(4096)),
});

export const ReservationInfo = message({
  type: opt(enumOf(['UNKNOWN', 'STATIC', 'DYNAMIC'])),
  role: opt(str(256)),
  principal: opt(str(1024)),
  labels: opt(Labels),
});

export const Resource = message({
  provider_id: opt(ResourceProviderID),
  name: req(str(256)),
  type: req(enumOf(['SCALAR', 'RANGES', 'SET'])),
  scalar: opt(Scalar),
  ranges: opt(Ranges),
  set: opt(ValueSet),
  role: opt(str(256)),
  allocation_info: opt(message({ role: opt(str(256)) })),
  reservation: opt(ReservationInfo),
  reservations: rep(ReservationInfo, 64),
  disk: opt(message({
    persistence: opt(message({ id: req(str(255)), principal: opt(str(1024)) })),
    volume: opt(Volume),
  })),
  revocable: opt(message({})),
  shared: opt(message({})),
});
export const ResourceList = rep(Resource, 1000);

export const Attribute = message({
  name: req(str(256)),
  type: req(ValueType),
  scalar: opt(Scalar),
  ranges: opt(Ranges),
  set: opt(ValueSet),
  text: opt(Text),
});

export const Address = message({ hostname: opt(str(255)), ip: opt(str(64)), port: req(int32()) });
export const URL = message({
  scheme: req(str(32)),
  address: req(Address),
  path: opt(str(4096)),
  query: rep(Parameter, 64),
  fragment: opt(str(4096)),
});

export const Filters = message({ refuse_seconds: opt(double()) });

export const EnvironmentVariable = message({
  name: req(str(1024)),
  type: opt(enumOf(['UNKNOWN', 'VALUE', 'SECRET'])),
  value: opt(str(64 * 1024)),
});
export const Environment = message({ variables: rep(EnvironmentVariable, 4096) });

export const CommandURI = message({
  value: req(str(4096)),
  executable: opt(bool()),
  extract: opt(bool()),
  cache: opt(bool()),
  output_file: opt(str(4096)),
});
export const CommandInfo = message({
  uris: rep(CommandURI, 256),
  environment: opt(Environment),
  shell: opt(bool()),
  value: opt(str(256 * 1024)),
  arguments: rep(str(64 * 1024), 4096),
  user: opt(str(256)),
});

export const KillPolicy = message({ grace_period: opt(DurationInfo) });

/** HealthCheck (v1 mesos.proto): defaults (delay 15 s, interval 10 s, timeout 20 s, 3 failures, grace 10 s) are applied in wire/task-extras.ts. */
export const HealthCheck = message({
  type: opt(enumOf(['UNKNOWN', 'COMMAND', 'HTTP', 'TCP'])),
  delay_seconds: opt(double()),
  interval_seconds: opt(double()),
  timeout_seconds: opt(double()),
  consecutive_failures: opt(uint32()),
  grace_period_seconds: opt(double()),
  command: opt(CommandInfo),
  http: opt(message({
    protocol: opt(enumOf(['IPv4', 'IPv6'])),
    scheme: opt(str(32)),
    port: req(uint32()),
    path: opt(str(4096)),
    statuses: rep(uint32(), 64),
  })),
  tcp: opt(message({ protocol: opt(enumOf(['IPv4', 'IPv6'])), port: req(uint32()) })),
});

export const ContainerInfo = message({
  type: req(enumOf(['DOCKER', 'MESOS'])),
  volumes: rep(Volume, 256),
  hostname: opt(str(255)),
  docker: opt(message({
    image: req(str(4096)),
    network: opt(enumOf(['HOST', 'BRIDGE', 'NONE', 'USER'])),
    port_mappings: rep(message({ host_port: req(uint32()), container_port: req(uint32()), protocol: opt(str(16)) }), 1024),
    privileged: opt(bool()),
    parameters: rep(Parameter, 256),
    force_pull_image: opt(bool()),
  })),
});

export const ExecutorInfo = message({
  type: opt(enumOf(['UNKNOWN', 'DEFAULT', 'CUSTOM'])),
  executor_id: req(ExecutorID),
  framework_id: opt(FrameworkID),
  command: opt(CommandInfo),
  container: opt(ContainerInfo),
  resources: ResourceList,
  name: opt(str(1024)),
  data: opt(bytes()),
  shutdown_grace_period: opt(DurationInfo),
  labels: opt(Labels),
});

export const TaskInfo = message({
  name: req(str(1024)),
  task_id: req(TaskID),
  agent_id: req(AgentID),
  resources: ResourceList,
  executor: opt(ExecutorInfo),
  command: opt(CommandInfo),
  container: opt(ContainerInfo),
  kill_policy: opt(KillPolicy),
  data: opt(bytes()),
  labels: opt(Labels),
  health_check: opt(HealthCheck),
  max_completion_time: opt(DurationInfo),
  // map<string, Value.Scalar>; Mesos's docs show bare numbers and "Infinity" (no limit), so those decode too.
  limits: opt(z.record(str(256), z.union([Scalar, z.number(), z.literal('Infinity')]))),
});

export const TaskState = enumOf(TASK_STATES);

export const TASK_STATUS_REASONS = [
  'REASON_COMMAND_EXECUTOR_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', 'REASON_CONTAINER_LIMITATION',
  'REASON_CONTAINER_LIMITATION_DISK', 'REASON_CONTAINER_LIMITATION_MEMORY', 'REASON_CONTAINER_PREEMPTED',
  'REASON_CONTAINER_UPDATE_FAILED', 'REASON_MAX_COMPLETION_TIME_REACHED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'REASON_EXECUTOR_TERMINATED', 'REASON_EXECUTOR_UNREGISTERED',
  'REASON_FRAMEWORK_REMOVED', 'REASON_GC_ERROR', 'REASON_INVALID_FRAMEWORKID', 'REASON_INVALID_OFFERS',
  'REASON_IO_SWITCHBOARD_EXITED', 'REASON_MASTER_DISCONNECTED', 'REASON_RECONCILIATION', 'REASON_RESOURCES_UNKNOWN',
  'REASON_AGENT_DISCONNECTED', 'REASON_AGENT_DRAINING', 'REASON_AGENT_REMOVED', 'REASON_AGENT_REMOVED_BY_OPERATOR',
  'REASON_AGENT_REREGISTERED', 'REASON_AGENT_RESTARTED', 'REASON_AGENT_UNKNOWN', 'REASON_TASK_KILLED_DURING_LAUNCH',
  'REASON_TASK_CHECK_STATUS_UPDATED', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', 'REASON_TASK_GROUP_INVALID',
  'REASON_TASK_GROUP_UNAUTHORIZED', 'REASON_TASK_INVALID', 'REASON_TASK_UNAUTHORIZED', 'REASON_TASK_UNKNOWN',
] as const;
export type TaskStatusReason = (typeof TASK_STATUS_REASONS)[number];

export const TaskStatus = message({
  task_id: req(TaskID),
  state: req(TaskState),
  message: opt(str(64 * 1024)),
  source: opt(enumOf(['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'])),
  reason: opt(enumOf(TASK_STATUS_REASONS)),
  data: opt(bytes()),
  agent_id: opt(AgentID),
  executor_id: opt(ExecutorID),
  timestamp: opt(double()),
  uuid: opt(bytes(64)),
  healthy: opt(bool()),
  labels: opt(Labels),
  container_status: opt(message({ container_id: opt(ContainerID), executor_pid: opt(uint32()) })),
  unreachable_time: opt(TimeInfo),
});

export const FRAMEWORK_CAPABILITIES = [
  'UNKNOWN', 'REVOCABLE_RESOURCES', 'TASK_KILLING_STATE', 'GPU_RESOURCES', 'SHARED_RESOURCES', 'PARTITION_AWARE',
  'MULTI_ROLE', 'RESERVATION_REFINEMENT', 'REGION_AWARE',
] as const;

/** OfferFilters (per role in FrameworkInfo.offer_filters): sets of quantities, any one of which makes resources allocatable. */
export const OfferFilters = message({
  min_allocatable_resources: opt(message({
    quantities: rep(message({ quantities: opt(z.record(str(256), Scalar).refine((m) => Object.keys(m).length <= 128, 'at most 128 quantities')) }), 64),
  })),
});

export const FrameworkInfo = message({
  // `user` is required in the .proto; Mesos fills an empty one in, and so do we.
  user: opt(str(256)),
  name: req(str(1024)),
  id: opt(FrameworkID),
  failover_timeout: opt(double()),
  checkpoint: opt(bool()),
  role: opt(str(256)),
  roles: rep(str(256), 128),
  hostname: opt(str(1024)),
  principal: opt(str(1024)),
  webui_url: opt(str(1024)),
  capabilities: rep(message({ type: opt(enumOf(FRAMEWORK_CAPABILITIES)) }), 32),
  labels: opt(Labels),
  offer_filters: opt(z.record(str(256), OfferFilters).refine((m) => Object.keys(m).length <= 128, 'at most 128 roles')),
});

export type FrameworkCapability = (typeof FRAMEWORK_CAPABILITIES)[number];

/** FrameworkInfo.capabilities holds `type` (the one question every reader asks of it). */
export function hasCapability(info: Pick<FrameworkInfo, 'capabilities'>, type: FrameworkCapability): boolean {
  return info.capabilities.some((c) => c.type === type);
}

/** mesos.proto DomainInfo: the fault domain (region and zone) of a master or an agent. */
export const DomainInfo = message({
  fault_domain: opt(message({ region: req(message({ name: req(str(255)) })), zone: req(message({ name: req(str(255)) })) })),
});
export type DomainInfo = z.output<typeof DomainInfo>;

export const MasterInfo = message({
  id: req(str(255)),
  ip: req(uint32()),
  port: req(uint32()),
  pid: opt(str(512)),
  hostname: opt(str(255)),
  version: opt(str(64)),
  address: opt(Address),
  capabilities: rep(message({ type: opt(enumOf(['UNKNOWN', 'AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'])) }), 16),
  domain: opt(DomainInfo),
});

export const AgentInfo = message({
  hostname: req(str(255)),
  port: opt(int32()),
  resources: ResourceList,
  attributes: rep(Attribute, 1000),
  id: opt(AgentID),
  domain: opt(DomainInfo),
});

// maintenance.proto's Unavailability: offers and inverse offers carry it.
export const Unavailability = message({ start: req(TimeInfo), duration: opt(DurationInfo) });

export const Offer = message({
  id: req(OfferID),
  framework_id: req(FrameworkID),
  agent_id: req(AgentID),
  hostname: req(str(255)),
  url: opt(URL),
  resources: ResourceList,
  attributes: rep(Attribute, 1000),
  executor_ids: rep(ExecutorID, 10_000),
  allocation_info: opt(message({ role: opt(str(256)) })),
  unavailability: opt(Unavailability),
  domain: opt(DomainInfo),
});

/** Asks a framework to give back what it holds on an agent before a maintenance window (always all of it). */
export const InverseOffer = message({
  id: req(OfferID),
  url: opt(URL),
  framework_id: req(FrameworkID),
  agent_id: opt(AgentID),
  unavailability: req(Unavailability),
  resources: ResourceList,
});
export type InverseOffer = z.output<typeof InverseOffer>;

export const OPERATION_TYPES = [
  'UNKNOWN', 'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'CREATE_DISK', 'DESTROY_DISK',
] as const;

export const OfferOperation = message({
  type: opt(enumOf(OPERATION_TYPES)),
  id: opt(OperationID),
  launch: opt(message({ task_infos: rep(TaskInfo, 1000) })),
  launch_group: opt(message({ executor: req(ExecutorInfo), task_group: req(message({ tasks: rep(TaskInfo, 1000) })) })),
  reserve: opt(message({ source: ResourceList, resources: ResourceList })),
  unreserve: opt(message({ resources: ResourceList })),
  create: opt(message({ volumes: ResourceList })),
  destroy: opt(message({ volumes: ResourceList })),
});

export type FrameworkInfo = z.output<typeof FrameworkInfo>;
export type TaskInfo = z.output<typeof TaskInfo>;
export type TaskStatus = z.output<typeof TaskStatus>;
export type CommandInfo = z.output<typeof CommandInfo>;
export type ContainerInfo = z.output<typeof ContainerInfo>;
export type Resource = z.output<typeof Resource>;
export type Attribute = z.output<typeof Attribute>;
export type Offer = z.output<typeof Offer>;
export type MasterInfo = z.output<typeof MasterInfo>;
export type AgentInfo = z.output<typeof AgentInfo>;
export type KillPolicy = z.output<typeof KillPolicy>;
export type HealthCheck = z.output<typeof HealthCheck>;
export type Labels = z.output<typeof Labels>;

import type { Resources } from '../domain/resources.js';
import type { Unavailability } from './inverse-offers.js';
import type { DomainInfo } from '../wire/fault-domain.js';
import type { FrameworkInfo, TaskStatus } from '../wire/mesos.js';
import type { TaskSpec } from '../domain/task-spec.js';
import type { TaskState } from '../domain/task-state.js';
import type { AgentStream, SchedulerStream } from '../wire/streams.js';
import type { FrameworkMetrics } from './framework-metrics.js';
import type { AgentDrainRecord, AgentRecord } from '../registry/commands.js';

// In-memory master state. Each slice has one owner that alone changes it (on the event
// loop, never with an await between a read and the write that depends on it); everyone
// else reads it through the read-only views at the end of this file:
//   agents                     -> Agents (agents.ts)
//   frameworks, completed      -> Frameworks (frameworks.ts); the tasks inside each -> Tasks (tasks.ts)
//   offers, offer filters      -> OfferBook (offers.ts), the single committer of offers

export interface OfferFilter {
  agentId: string;
  resources: Resources;
  /** Monotonic ms after which the filter expires. */
  until: number;
}

export interface AgentEntry {
  record: AgentRecord;
  /**
   * What the agent offers: its advertised resources (record.resources) with the master's dynamic
   * reservations laid over them (domain/reservations.ts withReservations).
   */
  total: Resources;
  /** Its fault domain, as it said when it (re)registered (not in the registry: only connected agents are offered). */
  domain?: DomainInfo;
  /** The dynamic reservations on this agent (RESERVE / UNRESERVE), kept in the registry; owned by Reservations. */
  reservations: Resources;
  /** Event stream to the agent while connected. */
  connection: AgentStream | null;
  /** Loaded from the registry after a restart or failover, not yet reregistered. */
  recovered: boolean;
  registeredTime: number;
  reregisteredTime: number | null;
  /** The master's attentive time (Agents.attentiveNow: monotonic ms less its stalls) of the agent's last heartbeat or subscription. */
  lastSeen: number;
  /** Wall-clock ms when the agent was marked unreachable, else null. */
  unreachableSince: number | null;
  /**
   * Set by the operator's DEACTIVATE_AGENT (and DRAIN_AGENT), cleared by REACTIVATE_AGENT: the
   * agent keeps its tasks but gets no new offers. Kept in the registry (agent-maintenance.ts).
   */
  deactivated: boolean;
  /** DRAIN_AGENT: its tasks are killed, then it is DRAINED (or gone, with mark_gone). */
  drain: AgentDrainRecord | null;
  /** Wall-clock ms this master started draining it (Mesos estimated_drain_start_time). */
  drainStartedAt: number | null;
}

export interface TaskEntry {
  taskId: string;
  frameworkId: string;
  agentId: string;
  info: TaskSpec;
  resources: Resources;
  role: string;
  /** The agent's latest known state (Task.state in Mesos). */
  state: TaskState;
  /** State and uuid of the update currently being delivered to the framework. */
  statusUpdateState: TaskState | null;
  statusUpdateUuid: string | null;
  statuses: TaskStatus[];
  /**
   * Set by a framework's KILL (the grace period it asked for, or null for the task's own).
   * A KILL sent while the agent is cut off can be lost; it is sent again when the agent
   * reregisters still running the task (Mesos keeps `Slave::killedTasks` for this).
   */
  killRequested?: { graceMs: number | null };
}

export interface FrameworkEntry {
  id: string;
  info: FrameworkInfo;
  roles: string[];
  partitionAware: boolean;
  stream: SchedulerStream | null;
  streamId: string | null;
  heartbeat: { cancel(): void } | null;
  failoverTimer: { cancel(): void } | null;
  /** Wall-clock ms at which a disconnected framework is removed (persisted: survives a master failover). */
  failoverDeadline: number | null;
  active: boolean;
  recovered: boolean;
  registeredTime: number;
  unregisteredTime: number | null;
  suppressedRoles: Set<string>;
  /** Owned by Tasks. */
  tasks: Map<string, TaskEntry>;
  /** Owned by Tasks. */
  completedTasks: TaskEntry[];
  /** Mesos's per-framework counters (master/frameworks/<name>/<id>/...). */
  metrics: FrameworkMetrics;
}

export interface OfferEntry {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resources;
  /** The agent's machine is scheduled for maintenance in this window (Offer.unavailability). */
  unavailability?: Unavailability;
}

export interface MasterState {
  agents: Map<string, AgentEntry>;
  frameworks: Map<string, FrameworkEntry>;
  completedFrameworks: FrameworkEntry[];
  offers: Map<string, OfferEntry>;
  /** Declined resources per framework id, until they expire. */
  offerFilters: Map<string, OfferFilter[]>;
}

export function emptyMasterState(): MasterState {
  return { agents: new Map(), frameworks: new Map(), completedFrameworks: [], offers: new Map(), offerFilters: new Map() };
}

// Read-only views: what components see of slices they do not own. A MasterState is one.
export type TaskView = Readonly<Omit<TaskEntry, 'statuses' | 'killRequested'>> & {
  readonly statuses: readonly TaskStatus[];
  readonly killRequested?: Readonly<{ graceMs: number | null }>;
};
export type AgentView = Readonly<AgentEntry>;
export type FrameworkView = Readonly<Omit<FrameworkEntry, 'tasks' | 'completedTasks' | 'suppressedRoles' | 'roles'>> & {
  readonly roles: readonly string[];
  readonly suppressedRoles: ReadonlySet<string>;
  readonly tasks: ReadonlyMap<string, TaskView>;
  readonly completedTasks: readonly TaskView[];
};
export interface MasterStateView {
  readonly agents: ReadonlyMap<string, AgentView>;
  readonly frameworks: ReadonlyMap<string, FrameworkView>;
  readonly completedFrameworks: readonly FrameworkView[];
  readonly offers: ReadonlyMap<string, Readonly<OfferEntry>>;
  readonly offerFilters: ReadonlyMap<string, readonly Readonly<OfferFilter>[]>;
}

/** Sorted views: iteration order never decides an outcome. */
export const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

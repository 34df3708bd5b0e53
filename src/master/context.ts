import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import type { CommandLog } from '../registry/command-log.js';
import type { Registry } from '../registry/registry.js';
import type { MasterInfo } from '../wire/mesos.js';
import type { TaskState } from '../domain/task-state.js';
import type { MasterStateView } from './state.js';
import type { MasterEvents } from './events.js';
import type { LedgerView } from './ledger.js';
import type { RoleQuota } from './allocator/quota.js';
import { DEFAULT_MIN_ALLOCATABLE, type ResourceQuantities } from '../domain/min-allocatable.js';
import type { RemovalRate } from '../domain/removal-rate.js';

export interface MasterTimings {
  allocationIntervalMs: number;
  frameworkHeartbeatSeconds: number;
  /** How often agents heartbeat (told to them in SUBSCRIBED) and how often the master checks. */
  agentHeartbeatMs: number;
  /** An agent silent this long is disconnected (Mesos agent_ping_timeout x max_agent_ping_timeouts). */
  agentSilenceLimitMs: number;
  defaultRefuseSeconds: number;
  maxCompletedTasksPerFramework: number;
  maxCompletedFrameworks: number;
  /** --agent-removal-rate-limit: at most this many agents marked unreachable per duration; null: no limit. */
  agentRemovalRate: RemovalRate | null;
  /** After a failover, agents not back within this are marked unreachable (Mesos agent_reregister_timeout). */
  agentReregisterTimeoutMs: number;
  /** Outstanding offers are rescinded after this (Mesos --offer_timeout); null: never. */
  offerTimeoutMs: number | null;
}

/** How the allocator decides what is worth offering. */
export interface AllocationPolicy {
  /** Mesos --min_allocatable_resources (per role, a framework's offer_filters replace it). */
  minAllocatable: readonly ResourceQuantities[];
}

export const DEFAULT_ALLOCATION_POLICY: AllocationPolicy = { minAllocatable: DEFAULT_MIN_ALLOCATABLE };

export const DEFAULT_MASTER_TIMINGS: MasterTimings = {
  allocationIntervalMs: 1000,
  frameworkHeartbeatSeconds: 15,
  agentHeartbeatMs: 5000,
  agentSilenceLimitMs: 75_000,
  defaultRefuseSeconds: 5,
  maxCompletedTasksPerFramework: 1000,
  maxCompletedFrameworks: 50,
  agentRemovalRate: null,
  agentReregisterTimeoutMs: 600_000,
  offerTimeoutMs: null,
};

/** What every master component shares: state, the registry's log, and injected time and randomness. */
export interface MasterContext {
  /** Read-only: each slice is changed only by its owner (state.ts). */
  state: MasterStateView;
  info: MasterInfo;
  startTime: number;
  log: CommandLog;
  registry: Registry;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  timings: MasterTimings;
  allocation: AllocationPolicy;
  ids: IdGenerator;
  /** Tasks that reached each terminal state while this master led (Mesos's master/tasks_finished... counters). */
  terminalTaskCounts: Map<TaskState, number>;
  /** --require-agent-domain: agents without a fault domain may not register. */
  requireAgentDomain: boolean;
  /** Mesos's other cumulative counters (counters.ts). */
  counters: ReadonlyMap<string, number>;
  /** Everything that happens, in order (events.ts); components emit, streams and views listen. */
  events: MasterEvents;
  /** What agents, frameworks and roles hold (written by Tasks and the OfferBook only). */
  ledger: LedgerView;
  /** Tests: recompute the ledger from tasks and offers at every allocation and fail on a difference. */
  checkLedger: boolean;
  /** Read-only view of role weights and quotas (owned by Roles, roles.ts). */
  roleSettings: { weights(): ReadonlyMap<string, number>; quotas(): ReadonlyMap<string, RoleQuota> };
  /** Ask for an allocation run soon (coalesced). */
  requestAllocation(): void;
}

/** Mesos id formats: `<masterId>-0000`, `<masterId>-S<n>`, `<masterId>-O<n>`. */
export class IdGenerator {
  private frameworks = 0;
  private agents = 0;
  private offers = 0;
  constructor(private readonly masterId: string) {}
  framework(): string {
    return `${this.masterId}-${String(this.frameworks++).padStart(4, '0')}`;
  }
  agent(): string {
    return `${this.masterId}-S${this.agents++}`;
  }
  offer(): string {
    return `${this.masterId}-O${this.offers++}`;
  }
}

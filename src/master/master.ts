import os from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import type { Registry } from '../registry/registry.js';
import type { CommandLog } from '../registry/command-log.js';
import { ipToMesosInt } from '../domain/mesos.js';
import { MESOS_COMPAT_VERSION } from '../domain/version.js';
import { DEFAULT_ALLOCATION_POLICY, DEFAULT_MASTER_TIMINGS, IdGenerator, type AllocationPolicy, type MasterContext, type MasterTimings } from './context.js';
import { emptyMasterState } from './state.js';
import { ResourceLedger } from './ledger.js';
import type { DomainInfo } from '../wire/fault-domain.js';
import { InverseOffers, type Unavailability } from './inverse-offers.js';
import { OfferBook } from './offers.js';
import { Tasks } from './tasks.js';
import { Frameworks } from './frameworks.js';
import { Agents } from './agents.js';
import { Reservations } from './reservations.js';
import { Maintenance } from './maintenance.js';
import { SchedulerCalls } from './scheduler-calls.js';
import { AgentCalls } from './agent-calls.js';
import { Roles } from './roles.js';
import { OperatorCalls } from './operator-calls.js';
import { LatencyMetrics } from './latency-metrics.js';
import { MasterEvents } from './events.js';
import { MasterCounters } from './counters.js';
import { feedFrameworkStreams } from './framework-feed.js';
import { countFrameworkOffers } from './framework-metrics.js';
import { LeaderServices, delayedService, periodicService } from './leader-services.js';

export interface MasterOptions {
  ip: string;
  port: number;
  hostname?: string;
  registry: Registry;
  log: CommandLog;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  timings?: Partial<MasterTimings>;
  allocation?: Partial<AllocationPolicy>;
  /** --domain: this master's fault domain; agents in other regions are remote. */
  domain?: DomainInfo;
  /** --require-agent-domain: agents without a fault domain are refused. */
  requireAgentDomain?: boolean;
  /** Recompute the resource ledger at every allocation and fail on drift (default: TSMESOS_CHECK_LEDGER=1, set by the test suite). */
  checkLedger?: boolean;
}

/** The leading master's services, composed. Created when this master leads; stopped when it stops leading. */
export class Master {
  readonly ctx: MasterContext;
  readonly offers: OfferBook;
  readonly tasks: Tasks;
  readonly frameworks: Frameworks;
  readonly agents: Agents;
  /** Dynamic reservations (RESERVE / UNRESERVE). */
  readonly reservations: Reservations;
  /** Maintenance schedules and DOWN machines. */
  readonly maintenance: Maintenance;
  /** Inverse offers to frameworks on agents in a maintenance window. */
  readonly inverseOffers: InverseOffers;
  readonly roles: Roles;
  readonly schedulerCalls: SchedulerCalls;
  readonly agentCalls: AgentCalls;
  readonly operatorCalls: OperatorCalls;
  /** Offer-to-accept, accept-to-running and allocation-run histograms (GET /metrics). */
  readonly latency: LatencyMetrics;
  /** Started once the registry is recovered, stopped with the master; others may register theirs before start(). */
  readonly services: LeaderServices;
  private allocationPending = false;
  private lastAllocationEnd = 0;
  private lastAllocationMs = 0;
  private stopped = false;

  constructor(opts: MasterOptions) {
    const id = opts.rng.uuid();
    const hostname = opts.hostname ?? os.hostname();
    const timings = { ...DEFAULT_MASTER_TIMINGS, ...opts.timings };
    const state = emptyMasterState();
    const counters = new MasterCounters();
    const ledger = new ResourceLedger();
    this.ctx = {
      state,
      info: {
        id, ip: ipToMesosInt(opts.ip), port: opts.port, hostname, pid: `master@${opts.ip}:${opts.port}`, version: MESOS_COMPAT_VERSION,
        address: { hostname, ip: opts.ip, port: opts.port },
        capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
        ...(opts.domain ? { domain: opts.domain } : {}),
      },
      startTime: opts.clock.now(),
      log: opts.log,
      registry: opts.registry,
      clock: opts.clock,
      rng: opts.rng,
      logger: opts.logger,
      timings,
      allocation: { ...DEFAULT_ALLOCATION_POLICY, ...opts.allocation },
      ids: new IdGenerator(id),
      terminalTaskCounts: new Map(),
      requireAgentDomain: opts.requireAgentDomain ?? false,
      counters: counters.values,
      events: new MasterEvents(),
      ledger,
      checkLedger: opts.checkLedger ?? process.env['TSMESOS_CHECK_LEDGER'] === '1',
      roleSettings: { weights: () => this.roles.weights(), quotas: () => this.roles.quotas() },
      requestAllocation: () => this.requestAllocation(),
    };
    // Each component gets the slice of state it owns; ctx.state is everyone's read-only view.
    this.roles = new Roles(this.ctx);
    const unavailabilityOf = (agentId: string): Unavailability | null => {
      const a = state.agents.get(agentId);
      return a ? this.maintenance.unavailabilityOf(a.record.hostname, a.record.ip) : null;
    };
    this.offers = new OfferBook(this.ctx, { offers: state.offers, filters: state.offerFilters, ledger }, unavailabilityOf);
    this.inverseOffers = new InverseOffers(this.ctx, unavailabilityOf);
    this.reservations = new Reservations(this.ctx, () => this.agents, this.offers);
    this.tasks = new Tasks(this.ctx, { frameworks: state.frameworks, ledger }, this.offers, this.reservations);
    this.frameworks = new Frameworks(this.ctx, { frameworks: state.frameworks, completed: state.completedFrameworks }, this.offers, {
      onRemoved: (fw) => {
        this.inverseOffers.forgetFramework(fw.id);
        this.tasks.frameworkRemoved(fw);
      },
      onSubscribed: (fw) => this.inverseOffers.forgetFramework(fw.id),
    });
    this.maintenance = new Maintenance(this.ctx, (id, why) => this.agents.markGone(id, why), (id) => this.inverseOffers.statusesOf(id));
    this.agents = new Agents(this.ctx, state.agents, this.offers, this.tasks, this.frameworks, (hostname, ip) => this.maintenance.isDown(hostname, ip));
    this.ctx.events.on(feedFrameworkStreams(this.ctx));
    this.ctx.events.on(counters.listener);
    this.ctx.events.on(countFrameworkOffers(this.ctx));
    this.schedulerCalls = new SchedulerCalls(this);
    this.agentCalls = new AgentCalls(this);
    this.operatorCalls = new OperatorCalls(this);
    this.latency = new LatencyMetrics(this.ctx);
    this.ctx.events.on(this.latency.onEvent);
    this.services = new LeaderServices(opts.logger);
    const { clock, logger } = this.ctx;
    this.services.register(periodicService('allocator', clock, timings.allocationIntervalMs, () => this.allocateNow()));
    this.services.register(periodicService('agent-liveness', clock, timings.agentHeartbeatMs, () => this.agents.closeSilent()));
    this.services.register(delayedService('agent-reregister-timeout', clock, timings.agentReregisterTimeoutMs, () => {
      this.agents.markStragglersUnreachable().catch((e: unknown) => logger.error('marking agents unreachable failed', { error: e instanceof Error ? e.message : String(e) }));
    }));
  }

  /** Loads the registry (agents and frameworks come back as recovered), then starts the leader services. */
  start(): void {
    this.maintenance.recover();
    this.agents.recover();
    this.frameworks.recover();
    this.roles.recover();
    this.ctx.events.emit({ type: 'LEADER_ELECTED', masterId: this.ctx.info.id, at: this.ctx.clock.now() });
    this.services.startAll();
  }

  stop(): void {
    this.stopped = true;
    this.services.stopAll();
    this.offers.stop();
    this.operatorCalls.shutdown();
    this.frameworks.shutdown();
    this.agents.shutdown();
  }

  /**
   * Event-driven allocation, coalesced: requests made while one is pending share it, and a run
   * starts no sooner after the previous one than that one took, so allocation uses at most half
   * of the event loop when events pour in (a small cluster's run takes well under a millisecond:
   * there the next run is immediate).
   */
  private requestAllocation(): void {
    if (this.allocationPending || this.stopped) return;
    this.allocationPending = true;
    const wait = Math.max(0, this.lastAllocationEnd + this.lastAllocationMs - this.ctx.clock.monotonic());
    this.ctx.clock.setTimeout(() => this.allocateNow(), wait);
  }

  private allocateNow(): void {
    this.allocationPending = false;
    if (this.stopped) return;
    try {
      const started = this.ctx.clock.monotonic();
      this.offers.runAllocation();
      this.inverseOffers.run();
      this.lastAllocationEnd = this.ctx.clock.monotonic();
      this.lastAllocationMs = this.lastAllocationEnd - started;
      this.ctx.events.emit({ type: 'ALLOCATION_RAN', durationMs: this.lastAllocationMs });
    } catch (e) {
      this.ctx.logger.error('allocation failed', { error: e instanceof Error ? e.stack : String(e) });
    }
  }
}

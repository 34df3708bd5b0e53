// The services scheduler's driver: a leader-only service that registers as a framework over the
// v1 scheduler API (scheduler-client), turns events into inputs of the pure core (reconcile.ts,
// offer-match.ts) and executes its actions. Instances are written to the registry BEFORE they
// are launched, so a new leader knows every task the old one may have started; after a
// (re)subscription it reconciles with the master before it acts.
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Rng } from '../lib/rng.js';
import type { CommandLog } from '../registry/command-log.js';
import type { Registry } from '../registry/registry.js';
import type { FrameworkInfo, Offer, TaskStatus } from '../wire/mesos.js';
import type { Event } from '../wire/scheduler.js';
import { SchedulerClient } from '../scheduler-client/client.js';
import type { SchedulerTransport } from '../scheduler-client/transport.js';
import { isTerminal } from '../domain/task-state.js';
import { ServicesStore, affectedApps, type AppRecord, type InstanceRecord } from './model.js';
import { heldApps, launchDelayMs, reconcile, type DesiredApp, type InstanceState, type ObservedInstance } from './reconcile.js';
import { matchOffer, offerAttributes, type Demand } from './offer-match.js';
import { buildTaskInfo, taskIdFor } from './task-builder.js';
import { ServicesEvents } from './events.js';
import { deploymentJson, type HealthRecord, type LiveInstance } from './views.js';
import { afterHealthReport, killForHealth } from './health.js';

export interface ServicesDriverOptions {
  registry: Registry;
  log: CommandLog;
  transport: SchedulerTransport;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** --services-role. */
  role: string;
  /** FrameworkInfo.user. */
  user: string;
  hostname: string;
  /** After a subscription, wait at most this long for the master's answers to reconciliation before acting. */
  reconcileGraceMs?: number;
  /** Ask the master again about instances it has not reported since the subscription, this often. */
  reconcileRetryMs?: number;
  /** Resend a kill after this long without the task ending. */
  killRetryMs?: number;
}

export const SERVICES_FRAMEWORK_NAME = 'tsmesos-services';
const ONE_WEEK_SECONDS = 7 * 24 * 3600;

interface Live {
  record: InstanceRecord;
  state: InstanceState;
  healthy?: boolean;
  health: HealthRecord;
  startedAt?: number;
  killRequested: boolean;
  /** Killed by this scheduler for failing its health checks: its end is a failure of the app. */
  killedUnhealthy?: boolean;
  killSentAt: number;
  /** Got a status since the last subscription. */
  reconciled: boolean;
  unreachableSince?: number;
}

export interface TaskFailure {
  appId: string;
  taskId: string;
  state: string;
  message: string;
  host: string;
  timestamp: string;
  version: string;
}

export class ServicesDriver {
  readonly name = 'services';
  readonly store: ServicesStore;
  private client: SchedulerClient | null = null;
  private readonly live = new Map<string, Live>();
  private delays = new Map<string, { failures: number; delayUntil: number }>();
  private demand = new Map<string, number>();
  private waiting = new Map<string, { missing: number; until: number }>();
  private suppressed = false;
  private actingAfter = Infinity;
  private tickTimer: Timer | null = null;
  private periodic: Timer | null = null;
  private tickPending = false;
  private lastStragglerReconcile = 0;
  /** The master removed our framework (an operator tore it down): start over as a new one. */
  private frameworkRemoved = false;
  private running = false;
  private readonly doneProposed = new Set<string>();
  readonly lastFailures = new Map<string, TaskFailure>();
  /** Marathon's event bus of this scheduler (closed when it stops). */
  readonly events: ServicesEvents;

  constructor(private readonly opts: ServicesDriverOptions) {
    this.store = new ServicesStore(opts.registry);
    this.events = new ServicesEvents(() => opts.clock.now());
  }

  start(): void {
    this.running = true;
    this.live.clear();
    for (const r of this.store.instances()) this.live.set(r.taskId, { record: r, state: 'PENDING', health: { consecutiveFailures: 0 }, killRequested: false, killSentAt: 0, reconciled: false });
    this.delays = this.store.launchDelays();
    // A cluster that never used services shows no services framework: subscribe once there is work.
    if (this.store.frameworkId() !== null || this.live.size > 0 || this.store.apps().length > 0) this.subscribe();
    this.periodic = this.opts.clock.setInterval(() => this.requestTick(), 1000);
  }

  private subscribe(): void {
    this.client = new SchedulerClient({
      transport: this.opts.transport, clock: this.opts.clock, rng: this.opts.rng, logger: this.opts.logger,
      frameworkInfo: () => this.frameworkInfo(),
      onEvent: (e) => this.onEvent(e),
      onDisconnected: () => {
        this.actingAfter = Infinity;
      },
    });
    this.client.start();
  }

  stop(): void {
    this.running = false;
    this.periodic?.cancel();
    this.tickTimer?.cancel();
    this.periodic = this.tickTimer = null;
    this.client?.stop();
    this.client = null;
    this.events.close();
  }

  get frameworkId(): string | null {
    return this.client?.id ?? this.store.frameworkId();
  }

  /** Live view of an app's instances (for the API). */
  instancesOf(appId?: string): LiveInstance[] {
    return [...this.live.values()]
      .filter((l) => appId === undefined || l.record.appId === appId)
      .map((l) => ({
        ...l.record, state: l.state, health: l.health,
        ...(l.healthy !== undefined ? { healthy: l.healthy } : {}), ...(l.startedAt !== undefined ? { startedAt: l.startedAt } : {}),
      }));
  }

  launchDelay(appId: string): { failures: number; delayUntil: number } | undefined {
    return this.delays.get(appId);
  }

  /** Apps with instances still to launch (Marathon's launch queue): how many, and until when they wait for their backoff. */
  queue(): { appId: string; count: number; delayLeftMs: number }[] {
    const now = this.opts.clock.now();
    const out = [...this.demand].filter(([, n]) => n > 0).map(([appId, count]) => ({ appId, count, delayLeftMs: 0 }));
    for (const [appId, w] of this.waiting) out.push({ appId, count: w.missing, delayLeftMs: Math.max(0, w.until - now) });
    return out.sort((a, b) => a.appId.localeCompare(b.appId));
  }

  /** DELETE /v2/queue/{id}/delay: the next launch of the app need not wait for its backoff. */
  async resetDelay(appId: string): Promise<void> {
    await this.opts.log.propose({ type: 'SERVICES_LAUNCH_DELAY', appId, failures: 0, delayUntil: 0 });
    this.delays.delete(appId);
    this.requestTick();
  }

  /** Kills these tasks now (the API's task kill); with `scale`, the caller lowered the app's instances first. */
  killTasks(taskIds: string[]): void {
    for (const id of taskIds) {
      const l = this.live.get(id);
      if (l) this.sendKill(l);
    }
  }

  /** Something changed (an app was written): act soon. */
  requestTick(): void {
    if (this.tickPending || !this.running) return;
    this.tickPending = true;
    this.tickTimer = this.opts.clock.setTimeout(() => {
      this.tickPending = false;
      this.tick();
    }, 0);
  }

  private frameworkInfo(): FrameworkInfo {
    const id = this.client?.id ?? (this.frameworkRemoved ? null : this.store.frameworkId());
    return {
      ...(id !== null ? { id: { value: id } } : {}),
      user: this.opts.user,
      name: SERVICES_FRAMEWORK_NAME,
      roles: [this.opts.role],
      failover_timeout: ONE_WEEK_SECONDS,
      checkpoint: true,
      hostname: this.opts.hostname,
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }],
    };
  }

  private onEvent(e: Event): void {
    switch (e.type) {
      case 'SUBSCRIBED':
        this.onSubscribed(e.subscribed?.framework_id.value ?? '');
        return;
      case 'OFFERS':
        this.onOffers(e.offers?.offers ?? []);
        return;
      case 'UPDATE':
        if (e.update) this.onUpdate(e.update.status);
        return;
      case 'ERROR':
        if (e.error?.message === 'Framework has been removed') this.onFrameworkRemoved();
        return;
      default:
        return;
    }
  }

  private onSubscribed(frameworkId: string): void {
    this.opts.logger.info('services scheduler subscribed', { frameworkId });
    this.suppressed = false;
    if (frameworkId !== this.store.frameworkId()) this.propose({ type: 'SERVICES_FRAMEWORK_ID', frameworkId });
    this.frameworkRemoved = false;
    for (const l of this.live.values()) l.reconciled = false;
    // Explicit reconciliation of every recorded instance, then implicit (tasks we have no record of).
    const known = [...this.live.values()].map((l) => ({ taskId: l.record.taskId, agentId: l.record.agentId }));
    this.actingAfter = this.opts.clock.monotonic() + (this.opts.reconcileGraceMs ?? 5000);
    this.lastStragglerReconcile = this.opts.clock.monotonic();
    this.call('RECONCILE', () => this.client!.reconcile(known));
    this.call('RECONCILE', () => this.client!.reconcile([]));
    this.requestTick();
  }

  /**
   * A torn-down framework's tasks were killed with it: forget them, and subscribe as a new
   * framework, which relaunches every app from scratch.
   */
  private onFrameworkRemoved(): void {
    this.opts.logger.warn('the services framework was removed; registering a new one and relaunching every app');
    this.frameworkRemoved = true;
    const gone = [...this.live.keys()];
    this.live.clear();
    if (gone.length > 0) this.propose({ type: 'SERVICES_INSTANCES_REMOVED', taskIds: gone });
  }

  private onUpdate(status: TaskStatus): void {
    this.call('ACKNOWLEDGE', () => this.client!.acknowledge(status));
    const id = status.task_id.value;
    const l = this.live.get(id);
    const state = status.state;
    if (!l) {
      // Not ours (launched by a leader whose record did not commit, or long forgotten): stop it.
      if (!isTerminal(state) && state !== 'TASK_UNKNOWN') {
        this.opts.logger.warn('killing a task the services scheduler has no record of', { taskId: id });
        this.call('KILL', () => this.client!.kill(id, status.agent_id?.value));
      }
      return;
    }
    l.reconciled = true;
    const r = l.record;
    this.events.emit('status_update_event', {
      slaveId: r.agentId, taskId: id, taskStatus: state, message: status.message ?? '', appId: r.appId, host: r.hostname, ports: r.hostPorts, ipAddresses: [], version: r.version,
    });
    if (status.healthy !== undefined && status.healthy !== l.healthy) {
      this.events.emit('health_status_changed_event', { appId: r.appId, taskId: id, instanceId: id, version: r.version, alive: status.healthy });
    }
    if (status.healthy !== undefined) {
      l.healthy = status.healthy;
      if (!isTerminal(state)) this.onHealthReport(l, status.healthy, status.message ?? '');
    }
    if (isTerminal(state) || state === 'TASK_UNKNOWN') {
      this.live.delete(id);
      this.propose({ type: 'SERVICES_INSTANCES_REMOVED', taskIds: [id] });
      const app = this.store.app(l.record.appId);
      if ((!l.killRequested || l.killedUnhealthy === true) && app) this.recordFailure(app, l, status);
    } else {
      l.state = state === 'TASK_RUNNING' ? 'RUNNING' : state === 'TASK_KILLING' ? 'KILLING' : state === 'TASK_UNREACHABLE' ? 'UNREACHABLE' : state === 'TASK_STARTING' ? 'STARTING' : 'STAGING';
      if (l.state === 'RUNNING') l.startedAt ??= this.opts.clock.now();
      if (l.state === 'UNREACHABLE') {
        const ns = status.unreachable_time?.nanoseconds;
        l.unreachableSince ??= ns !== undefined ? Math.floor(ns / 1e6) : this.opts.clock.now();
      } else delete l.unreachableSince;
    }
    this.requestTick();
  }

  private onHealthReport(l: Live, healthy: boolean, message: string): void {
    l.health = afterHealthReport(l.health, healthy, this.opts.clock.now(), message);
    const app = this.store.app(l.record.appId);
    if (healthy || l.killRequested || !app || !killForHealth(app.app, l.health)) return;
    this.opts.logger.info('killing a service instance that failed its health checks', { appId: l.record.appId, taskId: l.record.taskId, failures: l.health.consecutiveFailures });
    this.events.emit('unhealthy_instance_kill_event', {
      appId: l.record.appId, taskId: l.record.taskId, instanceId: l.record.taskId, version: l.record.version, reason: message, host: l.record.hostname, slaveId: l.record.agentId,
    });
    l.killedUnhealthy = true;
    this.sendKill(l);
  }

  private recordFailure(app: AppRecord, l: Live, status: TaskStatus): void {
    const now = this.opts.clock.now();
    const failures = (this.delays.get(app.app.id)?.failures ?? 0) + 1;
    const delayUntil = now + launchDelayMs(failures, app.app);
    this.delays.set(app.app.id, { failures, delayUntil });
    this.propose({ type: 'SERVICES_LAUNCH_DELAY', appId: app.app.id, failures, delayUntil });
    this.lastFailures.set(app.app.id, {
      appId: app.app.id, taskId: l.record.taskId, state: status.state, message: status.message ?? '', host: l.record.hostname,
      timestamp: new Date(now).toISOString(), version: l.record.version,
    });
    this.opts.logger.info('service instance ended; relaunching after backoff', { appId: app.app.id, taskId: l.record.taskId, state: status.state, delayMs: delayUntil - now });
  }

  private desired(apps: AppRecord[]): DesiredApp[] {
    return apps.map((a) => ({
      id: a.app.id, instances: a.app.instances, configVersion: a.versionInfo.lastConfigChangeAt,
      minimumHealthCapacity: a.app.upgradeStrategy.minimumHealthCapacity, maximumOverCapacity: a.app.upgradeStrategy.maximumOverCapacity,
      killSelection: a.app.killSelection,
      unreachable: a.app.unreachableStrategy === 'disabled' ? null
        : { inactiveAfterMs: a.app.unreachableStrategy.inactiveAfterSeconds * 1000, expungeAfterMs: a.app.unreachableStrategy.expungeAfterSeconds * 1000 },
    }));
  }

  private observed(): ObservedInstance[] {
    return [...this.live.values()].map((l) => ({
      taskId: l.record.taskId, appId: l.record.appId, agentId: l.record.agentId, configVersion: l.record.configVersion,
      launchedAt: l.record.launchedAt, state: l.state, killRequested: l.killRequested, ...(l.healthy !== undefined ? { healthy: l.healthy } : {}),
      ...(l.record.healthChecked !== undefined ? { healthChecked: l.record.healthChecked } : {}),
      ...(l.unreachableSince !== undefined ? { unreachableSince: l.unreachableSince } : {}),
    }));
  }

  private reconciledEnough(): boolean {
    if (this.client?.subscribed !== true) return false;
    if (this.opts.clock.monotonic() >= this.actingAfter) return true;
    return [...this.live.values()].every((l) => l.reconciled);
  }

  private tick(): void {
    if (!this.running) return;
    if (this.client === null && this.store.apps().length > 0) this.subscribe();
    if (this.client?.subscribed !== true) return;
    this.reconcileStragglers();
    if (!this.reconciledEnough()) return;
    const now = this.opts.clock.now();
    const apps = this.store.apps();
    const result = reconcile(this.desired(apps), this.observed(), new Map([...this.delays].map(([k, v]) => [k, v.delayUntil])), now);
    const demand = new Map<string, number>();
    const waiting = new Map<string, { missing: number; until: number }>();
    let nextWake = Infinity;
    const exists = new Set(apps.map((a) => a.app.id));
    const settled = (id: string): boolean => (exists.has(id) ? result.converged.has(id) : !result.withInstances.has(id));
    const held = heldApps(this.store.deployments().flatMap((d) => (d.steps !== undefined ? [d.steps] : [])), settled);
    for (const a of result.actions) {
      if (held.has(a.appId) && !(a.type === 'kill' && a.reason === 'app-removed')) continue;
      if (a.type === 'kill') {
        const l = this.live.get(a.taskId);
        if (l) this.sendKill(l);
      } else if (a.type === 'expunge') {
        // Forgotten: should it come back, its status is of a task we have no record of, and it is killed.
        this.live.delete(a.taskId);
        this.propose({ type: 'SERVICES_INSTANCES_REMOVED', taskIds: [a.taskId] });
        this.call('KILL', () => this.client!.kill(a.taskId, a.agentId));
      } else if (a.type === 'launch') demand.set(a.appId, a.count);
      else {
        waiting.set(a.appId, { missing: a.missing, until: a.until });
        nextWake = Math.min(nextWake, a.until);
      }
    }
    this.waiting = waiting;
    for (const l of this.live.values()) {
      if (l.killRequested && this.opts.clock.monotonic() - l.killSentAt > (this.opts.killRetryMs ?? 30_000)) this.sendKill(l);
    }
    this.demand = demand;
    if (nextWake !== Infinity) {
      this.opts.clock.setTimeout(() => this.requestTick(), Math.max(0, nextWake - now) + 10);
    }
    this.finishDeployments(apps, result.converged, result.withInstances);
    if (demand.size > 0 && this.suppressed) {
      this.suppressed = false;
      this.call('REVIVE', () => this.client!.revive());
    } else if (demand.size === 0 && !this.suppressed) {
      this.suppressed = true;
      this.call('SUPPRESS', () => this.client!.suppress());
    }
  }

  /**
   * The master stays silent about tasks on agents that have not reregistered since its
   * failover; ask again for those until each has answered (or its agent is declared gone).
   */
  private reconcileStragglers(): void {
    const now = this.opts.clock.monotonic();
    if (now - this.lastStragglerReconcile < (this.opts.reconcileRetryMs ?? 2000)) return;
    const unknown = [...this.live.values()].filter((l) => !l.reconciled).map((l) => ({ taskId: l.record.taskId, agentId: l.record.agentId }));
    if (unknown.length === 0) return;
    this.lastStragglerReconcile = now;
    this.call('RECONCILE', () => this.client!.reconcile(unknown));
  }

  private finishDeployments(apps: AppRecord[], converged: Set<string>, withInstances: Set<string>): void {
    const exists = new Set(apps.map((a) => a.app.id));
    // Done when every app it changes runs as desired, or (removed) has no instance left.
    const settled = (id: string): boolean => (exists.has(id) ? converged.has(id) : !withInstances.has(id));
    const done = this.store.deployments()
      .filter((d) => !this.doneProposed.has(d.id))
      .filter((d) => affectedApps(d).every(settled));
    if (done.length === 0) return;
    for (const d of done) this.doneProposed.add(d.id);
    const ids = done.map((d) => d.id);
    this.opts.log.propose({ type: 'SERVICES_DEPLOYMENTS_DONE', ids }).then(() => {
      for (const d of done) {
        this.events.emit('deployment_success', { id: d.id, plan: deploymentJson(d) });
        const stopped = d.apps !== undefined ? d.apps.filter((a) => a.action === 'StopApplication').map((a) => a.appId) : d.action === 'StopApplication' ? [d.appId] : [];
        for (const appId of stopped) this.events.emit('app_terminated_event', { appId });
      }
    }, (e: unknown) => this.opts.logger.warn('services: registry write failed', { command: 'SERVICES_DEPLOYMENTS_DONE', error: e instanceof Error ? e.message : String(e) }));
  }

  private sendKill(l: Live): void {
    l.killRequested = true;
    l.killSentAt = this.opts.clock.monotonic();
    const grace = this.store.app(l.record.appId)?.app.taskKillGracePeriodSeconds;
    this.call('KILL', () => this.client!.kill(l.record.taskId, l.record.agentId, grace));
  }

  private onOffers(offers: Offer[]): void {
    if (!this.reconciledEnough() || this.demand.size === 0) {
      this.call('DECLINE', () => this.client!.decline(offers.map((o) => o.id.value), 5));
      return;
    }
    const apps = new Map(this.store.apps().map((a) => [a.app.id, a]));
    const demands: Demand[] = [];
    for (const [appId, count] of this.demand) {
      const rec = apps.get(appId);
      if (!rec) continue;
      const placed = [...this.live.values()].filter((l) => l.record.appId === appId && !l.killRequested).map((l) => ({ hostname: l.record.hostname, attributes: l.record.attributes }));
      demands.push({ app: rec.app, count, placed });
    }
    for (const offer of offers) {
      const planned = matchOffer(offer, demands);
      if (planned.length === 0) {
        this.call('DECLINE', () => this.client!.decline([offer.id.value], 2));
        continue;
      }
      const now = this.opts.clock.now();
      const attributes = offerAttributes(offer);
      const launches = planned.map((p) => {
        const rec = apps.get(p.app.id)!;
        const taskId = taskIdFor(p.app.id, this.opts.rng.uuid());
        const info = buildTaskInfo(p, { taskId, agentId: offer.agent_id.value, hostname: offer.hostname, version: rec.version });
        const record: InstanceRecord = {
          taskId, appId: p.app.id, agentId: offer.agent_id.value, hostname: offer.hostname,
          attributes,
          configVersion: rec.versionInfo.lastConfigChangeAt, version: rec.version, hostPorts: p.hostPorts, launchedAt: now,
          healthChecked: info.health_check !== undefined,
        };
        return { record, info };
      });
      for (const d of demands) {
        const n = planned.filter((p) => p.app.id === d.app.id).length;
        d.count -= n;
        this.demand.set(d.app.id, (this.demand.get(d.app.id) ?? 0) - n);
      }
      for (const { record } of launches) this.live.set(record.taskId, { record, state: 'PENDING', health: { consecutiveFailures: 0 }, killRequested: false, killSentAt: 0, reconciled: true });
      const instances = launches.map(({ record }) => ({ taskId: record.taskId, appId: record.appId, record }));
      // Write-ahead: the records commit before the launch, so no leader can forget a task it started.
      this.opts.log.propose({ type: 'SERVICES_INSTANCES_LAUNCHED', instances })
        .then(() => this.client!.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: launches.map((l) => l.info) } }], 1))
        .catch((e: unknown) => {
          this.opts.logger.warn('launching service instances failed', { error: e instanceof Error ? e.message : String(e) });
          // Ask the master what became of them: a refused launch is reported (TASK_ERROR/TASK_DROPPED),
          // one that never reached it comes back TASK_UNKNOWN; either removes the record.
          for (const { record } of launches) {
            const l = this.live.get(record.taskId);
            if (l && l.state === 'PENDING') l.reconciled = false;
          }
          this.call('RECONCILE', () => this.client!.reconcile(launches.map(({ record }) => ({ taskId: record.taskId, agentId: record.agentId }))));
        });
    }
  }

  private propose(cmd: Parameters<CommandLog['propose']>[0]): void {
    this.opts.log.propose(cmd).catch((e: unknown) => this.opts.logger.warn('services: registry write failed', { command: cmd.type, error: e instanceof Error ? e.message : String(e) }));
  }

  private call(what: string, f: () => Promise<void>): void {
    if (!this.client) return;
    f().catch((e: unknown) => this.opts.logger.warn(`services scheduler ${what} failed`, { error: e instanceof Error ? e.message : String(e) }));
  }
}

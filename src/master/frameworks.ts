import { TsmesosError } from '../domain/errors.js';
import type { FrameworkInfo } from '../wire/mesos.js';
import { schedulerStream, type SchedulerStream } from '../wire/streams.js';
import type { MasterContext } from './context.js';
import type { OfferBook } from './offers.js';
import type { FrameworkEntry } from './state.js';
import { frameworkRoles, isPartitionAware } from './framework-info.js';
import { masterInfoMessage } from './wire.js';
import { FrameworkMetrics } from './framework-metrics.js';

/** A framework the master knows but that has no subscription yet (new, or recovered). */
export function newFrameworkEntry(id: string, info: FrameworkInfo, registeredTime: number, recovered: boolean): FrameworkEntry {
  return {
    id, info, roles: frameworkRoles(info), partitionAware: isPartitionAware(info),
    stream: null, streamId: null, heartbeat: null, failoverTimer: null, failoverDeadline: null,
    active: false, recovered, registeredTime, unregisteredTime: null,
    suppressedRoles: new Set(), tasks: new Map(), completedTasks: [], metrics: new FrameworkMetrics(),
  };
}

/** The slice of master state Frameworks owns (the tasks inside each entry belong to Tasks). */
export interface FrameworkSlice {
  frameworks: Map<string, FrameworkEntry>;
  completed: FrameworkEntry[];
}

export interface FrameworkHooks {
  /** Kill every task of a framework being removed (tasks module). */
  onRemoved(fw: FrameworkEntry): void;
  /** Non-checkpointing bookkeeping on (re)subscription. */
  onSubscribed(fw: FrameworkEntry): void;
}

/** Framework lifecycle: subscribe, failover, disconnect + failover timeout, teardown. */
export class Frameworks {
  constructor(
    private readonly ctx: MasterContext,
    private readonly own: FrameworkSlice,
    private readonly offers: OfferBook,
    private readonly hooks: FrameworkHooks,
  ) {}

  /** A framework seen only through an agent's report (after a failover): recovered until it resubscribes. */
  adoptReported(id: string, info: FrameworkInfo): FrameworkEntry {
    const known = this.own.frameworks.get(id);
    if (known) return known;
    const fw = newFrameworkEntry(id, info, this.ctx.clock.now(), true);
    this.own.frameworks.set(id, fw);
    return fw;
  }

  /** SUPPRESS: no offers for these roles (all of the framework's when none are named). */
  suppress(fw: FrameworkEntry, roles: readonly string[]): void {
    for (const r of roles.length === 0 ? fw.roles : roles) fw.suppressedRoles.add(r);
  }

  /** REVIVE: offers again for these roles (all when none are named), and every filter dropped. */
  revive(fw: FrameworkEntry, roles: readonly string[]): void {
    for (const r of roles.length === 0 ? fw.roles : roles) fw.suppressedRoles.delete(r);
    this.offers.clearFilters(fw.id);
  }

  /** Loads frameworks known to the registry as `recovered` (after a master restart or failover). */
  recover(): void {
    const now = this.ctx.clock.now();
    for (const rec of this.ctx.registry.frameworks()) {
      if (this.own.frameworks.has(rec.id)) continue;
      const fw = newFrameworkEntry(rec.id, rec.info, rec.registeredAt, true);
      this.own.frameworks.set(rec.id, fw);
      // Disconnected before the failover: its stored deadline stands (better than Mesos, whose
      // timer dies with the old leader). Connected at the failover: it gets the reregistration
      // window, or its failover timeout when that is longer, to come back.
      fw.failoverDeadline = rec.failoverDeadline ?? now + Math.max(failoverTimeoutMs(fw), this.ctx.timings.agentReregisterTimeoutMs);
      this.armFailoverTimer(fw);
    }
  }

  /**
   * SUBSCRIBE. Returns the stream to answer with; an invalid request yields a stream
   * holding one ERROR event, as Mesos does.
   */
  async subscribe(info: FrameworkInfo): Promise<{ stream: SchedulerStream; streamId: string }> {
    const stream = schedulerStream();
    const streamId = this.ctx.rng.uuid();
    const requestedId = info.id?.value;
    if (requestedId !== undefined && this.ctx.registry.isFrameworkRemoved(requestedId)) {
      stream.send({ type: 'ERROR', error: { message: 'Framework has been removed' } });
      stream.close();
      return { stream, streamId };
    }
    let fw = requestedId !== undefined ? this.own.frameworks.get(requestedId) : undefined;
    const now = this.ctx.clock.now();
    if (!fw) {
      const id = requestedId ?? this.ctx.ids.framework();
      const stored: FrameworkInfo = { ...info, id: { value: id } };
      await this.ctx.log.propose({ type: 'ADD_FRAMEWORK', framework: { id, info: stored, registeredAt: now } });
      fw = this.own.frameworks.get(id) ?? newFrameworkEntry(id, stored, now, false);
      this.own.frameworks.set(id, fw);
      this.ctx.events.emit({ type: 'FRAMEWORK_ADDED', frameworkId: id, info: stored });
    } else {
      // Failover: the old stream is told and closed; outstanding offers vanish without RESCIND.
      if (fw.stream && !fw.stream.isClosed) {
        fw.stream.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        this.detachStream(fw);
      }
      this.offers.rescind((o) => o.frameworkId === fw!.id, true);
      // principal, user and checkpoint are immutable; other fields follow the new subscription.
      const updated: FrameworkInfo = { ...info, id: { value: fw.id }, user: fw.info.user, ...(fw.info.principal !== undefined ? { principal: fw.info.principal } : {}), ...(fw.info.checkpoint !== undefined ? { checkpoint: fw.info.checkpoint } : {}) };
      if (JSON.stringify(updated) !== JSON.stringify(fw.info)) {
        await this.ctx.log.propose({ type: 'UPDATE_FRAMEWORK', framework: { id: fw.id, info: updated, registeredAt: fw.registeredTime } });
      }
      fw.info = updated;
      fw.roles = frameworkRoles(updated);
      fw.partitionAware = isPartitionAware(updated);
      this.ctx.events.emit({ type: 'FRAMEWORK_UPDATED', frameworkId: fw.id, info: updated });
    }
    if (fw.failoverDeadline !== null) {
      // Back in time: the stored deadline is void (the timer first, so it cannot fire during the write).
      fw.failoverTimer?.cancel();
      fw.failoverTimer = null;
      fw.failoverDeadline = null;
      await this.ctx.log.propose({ type: 'SET_FRAMEWORK_DEADLINE', frameworkId: fw.id, deadline: null });
    }
    this.attachStream(fw, stream, streamId);
    fw.metrics.call('SUBSCRIBE');
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: fw.id },
        heartbeat_interval_seconds: this.ctx.timings.frameworkHeartbeatSeconds,
        master_info: masterInfoMessage(this.ctx),
      },
    });
    this.hooks.onSubscribed(fw);
    this.ctx.requestAllocation();
    return { stream, streamId };
  }

  /**
   * UPDATE_FRAMEWORK: name, roles, failover_timeout, capabilities, labels, hostname and
   * webui_url may change; user, principal and checkpoint may not (400). Offers made for
   * roles the framework left are rescinded.
   */
  async update(fw: FrameworkEntry, info: FrameworkInfo, suppressedRoles: string[] | undefined): Promise<void> {
    if (info.id?.value !== fw.id) throw new TsmesosError('BAD_REQUEST', "update_framework.framework_info.id must equal the call's framework_id");
    for (const k of ['user', 'principal', 'checkpoint'] as const) {
      if (JSON.stringify(info[k] ?? null) !== JSON.stringify(fw.info[k] ?? null)) throw new TsmesosError('BAD_REQUEST', `update_framework: '${k}' cannot be changed`);
    }
    const roles = frameworkRoles(info);
    if (suppressedRoles !== undefined && suppressedRoles.some((r) => !roles.includes(r))) {
      throw new TsmesosError('BAD_REQUEST', 'update_framework.suppressed_roles must be a subset of the framework roles');
    }
    if (JSON.stringify(info) !== JSON.stringify(fw.info)) {
      await this.ctx.log.propose({ type: 'UPDATE_FRAMEWORK', framework: { id: fw.id, info, registeredAt: fw.registeredTime } });
    }
    fw.info = info;
    fw.roles = roles;
    fw.partitionAware = isPartitionAware(info);
    if (suppressedRoles !== undefined) fw.suppressedRoles = new Set(suppressedRoles);
    this.ctx.events.emit({ type: 'FRAMEWORK_UPDATED', frameworkId: fw.id, info });
    this.offers.rescind((o) => o.frameworkId === fw.id && !roles.includes(o.role));
    this.ctx.requestAllocation();
  }

  /** TEARDOWN (or failover timeout expiry): remove the framework and everything it runs. */
  async remove(frameworkId: string): Promise<void> {
    const fw = this.own.frameworks.get(frameworkId);
    if (!fw) throw new TsmesosError('NOT_FOUND', `unknown framework ${frameworkId}`);
    this.own.frameworks.delete(frameworkId);
    fw.failoverTimer?.cancel();
    this.offers.rescind((o) => o.frameworkId === frameworkId, true);
    this.hooks.onRemoved(fw);
    this.detachStream(fw);
    fw.active = false;
    fw.unregisteredTime = this.ctx.clock.now();
    this.own.completed.push(fw);
    while (this.own.completed.length > this.ctx.timings.maxCompletedFrameworks) this.own.completed.shift();
    this.ctx.events.emit({ type: 'FRAMEWORK_REMOVED', frameworkId });
    await this.ctx.log.propose({ type: 'REMOVE_FRAMEWORK', frameworkId, at: this.ctx.clock.now() });
  }

  /** Validates the stream id and subscription of a non-SUBSCRIBE call (Mesos: 400 / 403). */
  authorizeCall(frameworkId: string, streamId: string | undefined): FrameworkEntry {
    const fw = this.own.frameworks.get(frameworkId);
    if (!fw) throw new TsmesosError('BAD_REQUEST', `framework ${frameworkId} is not known`);
    if (streamId === undefined) throw new TsmesosError('BAD_REQUEST', 'all non-subscribe calls must include the Mesos-Stream-Id header');
    if (fw.stream === null || fw.stream.isClosed) throw new TsmesosError('FORBIDDEN', `framework ${frameworkId} is not subscribed`);
    if (fw.streamId !== streamId) throw new TsmesosError('BAD_REQUEST', `the stream id '${streamId.slice(0, 64)}' does not match the framework's subscription`);
    return fw;
  }

  shutdown(): void {
    for (const fw of this.own.frameworks.values()) {
      fw.failoverTimer?.cancel();
      this.detachStream(fw);
    }
  }

  private attachStream(fw: FrameworkEntry, stream: SchedulerStream, streamId: string): void {
    fw.failoverTimer?.cancel();
    fw.failoverTimer = null;
    fw.stream = stream;
    fw.streamId = streamId;
    fw.active = true;
    fw.recovered = false;
    stream.observe((e) => fw.metrics.event(e.type));
    fw.heartbeat = this.ctx.clock.setInterval(() => stream.send({ type: 'HEARTBEAT' }), this.ctx.timings.frameworkHeartbeatSeconds * 1000);
    stream.onClose(() => this.disconnected(fw, stream));
  }

  private detachStream(fw: FrameworkEntry): void {
    const s = fw.stream;
    fw.heartbeat?.cancel();
    fw.heartbeat = null;
    fw.stream = null;
    fw.streamId = null;
    s?.close();
  }

  /** Stream dropped: deactivate, rescind offers, start the failover timer. */
  private disconnected(fw: FrameworkEntry, stream: SchedulerStream): void {
    if (fw.stream !== stream) return; // we detached it ourselves (failover, teardown) or it is an older stream
    if (!this.own.frameworks.has(fw.id)) return;
    fw.heartbeat?.cancel();
    fw.heartbeat = null;
    fw.stream = null;
    fw.streamId = null;
    fw.active = false;
    this.offers.rescind((o) => o.frameworkId === fw.id, true);
    const timeoutMs = failoverTimeoutMs(fw);
    this.ctx.logger.info('framework disconnected', { framework: fw.id, failoverTimeoutMs: timeoutMs });
    const deadline = this.ctx.clock.now() + timeoutMs;
    fw.failoverDeadline = deadline;
    this.ctx.log.propose({ type: 'SET_FRAMEWORK_DEADLINE', frameworkId: fw.id, deadline })
      .catch((e: unknown) => this.ctx.logger.warn('could not persist the failover deadline', { framework: fw.id, error: e instanceof Error ? e.message : String(e) }));
    this.armFailoverTimer(fw);
  }

  /** Removes the framework at its failover deadline unless it has resubscribed by then. */
  private armFailoverTimer(fw: FrameworkEntry): void {
    fw.failoverTimer?.cancel();
    if (fw.failoverDeadline === null) return;
    fw.failoverTimer = this.ctx.clock.setTimeout(() => {
      if (fw.stream !== null || !this.own.frameworks.has(fw.id)) return;
      this.ctx.logger.info('framework did not come back within its failover timeout; removing it', { framework: fw.id });
      this.remove(fw.id).catch((e: unknown) => this.ctx.logger.error('failed to remove framework', { framework: fw.id, error: e }));
    }, Math.max(0, fw.failoverDeadline - this.ctx.clock.now()));
  }
}

/** FrameworkInfo.failover_timeout (seconds, default 0) in ms. */
function failoverTimeoutMs(fw: FrameworkEntry): number {
  return Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
}

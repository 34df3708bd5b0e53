import { Resources } from '../domain/resources.js';
import type { DomainInfo } from '../wire/fault-domain.js';
import { TsmesosError } from '../domain/errors.js';
import type { Resource } from '../domain/resources.js';
import type { Attribute } from '../domain/attributes.js';
import type { FrameworkInfo } from '../wire/mesos.js';
import type { TaskSpec } from '../domain/task-spec.js';
import type { TaskState } from '../domain/task-state.js';
import { agentStream, type AgentStream } from '../wire/streams.js';
import type { AgentRecord } from '../registry/commands.js';
import type { MasterContext } from './context.js';
import type { OfferBook } from './offers.js';
import type { Tasks } from './tasks.js';
import type { AgentEntry } from './state.js';
import { masterInfoMessage } from './wire.js';
import type { Frameworks } from './frameworks.js';
import { AgentMaintenance } from './agent-maintenance.js';
import { withReservations } from '../domain/reservations.js';
import { RemovalLimiter } from '../domain/removal-rate.js';

export interface AgentSubscription {
  agentId?: string;
  hostname: string;
  ip: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  tasks: { frameworkId: string; frameworkInfo: FrameworkInfo; task: TaskSpec; state: TaskState }[];
  domain?: DomainInfo;
}

/** Agent admission, reregistration and disconnection. */
export class Agents {
  /** DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT. */
  readonly maintenance: AgentMaintenance;
  /** Time the liveness checks ran late by, in all (see attentiveNow). */
  private stalledMs = 0;
  private lastLivenessCheck: number | null = null;
  /** Agents whose MARK_AGENT_UNREACHABLE is being proposed. */
  private readonly marking = new Set<string>();
  /** --agent-removal-rate-limit. */
  private readonly removals: RemovalLimiter;

  constructor(
    private readonly ctx: MasterContext,
    private readonly own: Map<string, AgentEntry>,
    private readonly offers: OfferBook,
    private readonly tasks: Tasks,
    private readonly frameworks: Frameworks,
    /** Agents on a machine under maintenance (DOWN) may not register (Mesos). */
    private readonly isMachineDown: (hostname: string, ip: string) => boolean,
  ) {
    this.maintenance = new AgentMaintenance(ctx, own, offers, tasks, (id) => this.markGone(id));
    this.removals = new RemovalLimiter(ctx.timings.agentRemovalRate);
  }

  /** Agents in the registry come back as `recovered` until they reregister. */
  recover(): void {
    const unreachable = this.ctx.registry.unreachableAgents();
    const reserved = this.ctx.registry.agentReservations();
    for (const record of this.ctx.registry.agents()) {
      if (this.own.has(record.id)) continue;
      const since = unreachable.get(record.id) ?? null;
      const reservations = Resources.of(reserved.get(record.id) ?? []);
      this.own.set(record.id, {
        record, total: this.totalOf(record, reservations), reservations, connection: null, recovered: since === null,
        registeredTime: record.registeredAt, reregisteredTime: null, lastSeen: this.attentiveNow(), unreachableSince: since, deactivated: false,
        drain: null, drainStartedAt: null,
      });
    }
    this.maintenance.recover();
  }

  /**
   * Agents still not back `agentReregisterTimeoutMs` after this master took over are
   * marked unreachable (registry first), so reconciliation stops waiting for them.
   */
  async markStragglersUnreachable(): Promise<void> {
    const stragglers = [...this.own.values()].filter((a) => a.recovered).sort((x, y) => (x.record.id < y.record.id ? -1 : 1));
    for (const a of stragglers) {
      const at = this.ctx.clock.now();
      await this.ctx.log.propose({ type: 'MARK_AGENT_UNREACHABLE', agentId: a.record.id, at });
      if (!a.recovered) continue; // it came back while we were proposing
      a.recovered = false;
      a.unreachableSince = at;
      this.ctx.logger.warn('agent did not reregister in time; marked unreachable', { agent: a.record.id });
      this.ctx.events.emit({ type: 'AGENT_LOST', agentId: a.record.id });
      this.ctx.events.emit({ type: 'AGENT_UNREACHABLE', agentId: a.record.id, at });
    }
  }

  async subscribe(sub: AgentSubscription): Promise<AgentStream> {
    if (this.isMachineDown(sub.hostname, sub.ip)) throw new TsmesosError('FORBIDDEN', `agent at ${sub.hostname} (${sub.ip}) is on a machine that is DOWN for maintenance; STOP_MAINTENANCE brings it up`);
    // Mesos ignores such an agent (it may restart with the right domain and keep its tasks).
    if (sub.domain?.fault_domain !== undefined && this.ctx.info.domain?.fault_domain === undefined) {
      throw new TsmesosError('FORBIDDEN', `agent at ${sub.hostname} (${sub.ip}) has a fault domain (--domain) but this master has none; give the master --domain too`);
    }
    if (this.ctx.requireAgentDomain && sub.domain?.fault_domain === undefined) {
      throw new TsmesosError('FORBIDDEN', `agent at ${sub.hostname} (${sub.ip}) has no fault domain and this master runs with --require-agent-domain; give the agent --domain`);
    }
    const known = sub.agentId !== undefined ? this.own.get(sub.agentId) : undefined;
    const wasUnreachable = known !== undefined && known.unreachableSince !== null;
    const now = this.ctx.clock.now();
    let entry: AgentEntry;
    if (known) {
      const record: AgentRecord = { ...known.record, hostname: sub.hostname, ip: sub.ip, port: sub.port, resources: sub.resources, attributes: sub.attributes };
      if (JSON.stringify(record) !== JSON.stringify(known.record)) await this.ctx.log.propose({ type: 'UPDATE_AGENT', agent: record });
      if (wasUnreachable) {
        await this.ctx.log.propose({ type: 'MARK_AGENT_REACHABLE', agentId: record.id });
        known.unreachableSince = null;
      }
      this.dropConnection(known);
      entry = known;
      entry.record = record;
      entry.total = this.totalOf(record, entry.reservations);
      entry.recovered = false;
      entry.reregisteredTime = now;
      this.ctx.logger.info('agent reregistered', { agent: record.id, hostname: record.hostname });
    } else {
      // Unknown ids (e.g. removed agents) are admitted afresh: the agent must start over under the new id.
      const record: AgentRecord = { id: this.ctx.ids.agent(), hostname: sub.hostname, ip: sub.ip, port: sub.port, resources: sub.resources, attributes: sub.attributes, registeredAt: now };
      await this.ctx.log.propose({ type: 'ADMIT_AGENT', agent: record });
      entry = { record, total: Resources.of(record.resources), reservations: Resources.empty(), connection: null, recovered: false, registeredTime: now, reregisteredTime: null, lastSeen: 0, unreachableSince: null, deactivated: false, drain: null, drainStartedAt: null };
      this.own.set(record.id, entry);
      this.ctx.logger.info('agent admitted', { agent: record.id, hostname: record.hostname, resources: entry.total.toString() });
    }
    if (sub.domain !== undefined) entry.domain = sub.domain;
    else delete entry.domain;
    const stream = agentStream();
    entry.connection = stream;
    entry.lastSeen = this.attentiveNow();
    const heartbeat = this.ctx.clock.setInterval(() => stream.send({ type: 'HEARTBEAT' }), this.ctx.timings.agentHeartbeatMs);
    stream.onClose(() => {
      heartbeat.cancel();
      this.disconnected(entry, stream);
    });
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: { agent_id: { value: entry.record.id }, heartbeat_interval_seconds: this.ctx.timings.agentHeartbeatMs / 1000, master_info: masterInfoMessage(this.ctx) },
    });
    this.ctx.events.emit({ type: 'AGENT_ADDED', agentId: entry.record.id, reregistered: known !== undefined });
    if (known) {
      this.reconcileReportedTasks(entry.record.id, sub);
      // Mesos (Master::__reregisterSlave): frameworks hear each task of an unreachable agent that came back, in its state now.
      if (wasUnreachable) this.tasks.unreachableAgentBack(entry.record.id, sub.tasks.map((t) => ({ frameworkId: t.frameworkId, taskId: t.task.taskId, state: t.state })));
      this.maintenance.agentReregistered(entry.record.id);
    }
    this.ctx.requestAllocation();
    return stream;
  }

  /**
   * RESERVE / UNRESERVE changed the agent's dynamic reservations (Reservations owns the value;
   * the entry is ours): its total follows at once, so no allocation in between offers the old one.
   */
  setReservations(agentId: string, reservations: Resources): void {
    const a = this.own.get(agentId);
    if (!a) return;
    a.reservations = reservations;
    a.total = this.totalOf(a.record, reservations);
  }

  /** The advertised resources with the reservations laid over them; one the agent no longer has is left out, and said so. */
  private totalOf(record: AgentRecord, reservations: Resources): Resources {
    const { total, skipped } = withReservations(Resources.of(record.resources), reservations);
    if (!skipped.isEmpty()) {
      this.ctx.logger.warn('agent no longer advertises what some of its reservations hold; they are kept and return with the resources', { agent: record.id, reservations: skipped.toString() });
    }
    return total;
  }

  /** An agent's HEARTBEAT call: proof that the agent can still reach us. */
  heartbeat(agentId: string): boolean {
    const a = this.own.get(agentId);
    if (!a || a.connection === null) return false;
    a.lastSeen = this.attentiveNow();
    return true;
  }

  /**
   * Monotonic time less the time this master was not listening (its liveness checks ran late:
   * a blocked event loop, a starved process). Silence is measured in it, so heartbeats queued
   * in sockets while the master was busy do not count against their agents (Mesos has no such
   * guard: a master stalled past the ping timeout disconnects healthy agents).
   */
  private attentiveNow(): number {
    return this.ctx.clock.monotonic() - this.stalledMs;
  }

  /**
   * Runs every heartbeat interval. An agent silent longer than the limit (--agent-ping-timeout
   * x --max-agent-ping-timeouts), connected or not (a partition the TCP stack has not noticed,
   * a frozen or dead agent), has its connection closed, which runs the usual disconnect
   * handling, and is marked unreachable (Mesos: the ping timeouts mark it unreachable). Silence
   * is attentive time (see attentiveNow): time this master was stalled does not count.
   */
  closeSilent(): void {
    const now = this.ctx.clock.monotonic();
    if (this.lastLivenessCheck !== null) this.stalledMs += Math.max(0, now - this.lastLivenessCheck - this.ctx.timings.agentHeartbeatMs);
    this.lastLivenessCheck = now;
    const limit = this.ctx.timings.agentSilenceLimitMs;
    const attentive = this.attentiveNow();
    // The longest silent first: with --agent-removal-rate-limit, they are marked in that order.
    for (const a of [...this.own.values()].sort((x, y) => x.lastSeen - y.lastSeen || (x.record.id < y.record.id ? -1 : 1))) {
      if (a.recovered || a.unreachableSince !== null || attentive - a.lastSeen <= limit || this.marking.has(a.record.id)) continue;
      const silentMs = Math.round(attentive - a.lastSeen);
      if (a.connection !== null) {
        this.ctx.logger.warn('agent stopped heartbeating; closing its connection', { agent: a.record.id, silentMs, limitMs: limit });
        a.connection.close();
      }
      // Out of permits: it stays disconnected, and is marked at a later check.
      if (!this.removals.tryAcquire(now)) continue;
      this.markUnreachable(a, silentMs).catch((e: unknown) => this.ctx.logger.error('marking an agent unreachable failed', { agent: a.record.id, error: e instanceof Error ? e.message : String(e) }));
    }
  }

  /**
   * A silent agent becomes unreachable (registry first, as Mesos Master::markUnreachable): its
   * offers are rescinded, frameworks hear FAILURE and then TASK_UNREACHABLE (TASK_LOST when not
   * PARTITION_AWARE) for each of its tasks; should it come back, it reregisters under its id.
   */
  private async markUnreachable(a: AgentEntry, silentMs: number): Promise<void> {
    const id = a.record.id;
    if (this.marking.has(id)) return;
    this.marking.add(id);
    try {
      const at = this.ctx.clock.now();
      await this.ctx.log.propose({ type: 'MARK_AGENT_UNREACHABLE', agentId: id, at });
      if (this.own.get(id) !== a) return; // removed while we were proposing
      if (a.connection !== null) {
        // It came back while we were proposing: the registry says reachable again.
        await this.ctx.log.propose({ type: 'MARK_AGENT_REACHABLE', agentId: id });
        return;
      }
      a.unreachableSince = at;
      this.offers.rescind((o) => o.agentId === id);
      this.ctx.logger.warn('agent marked unreachable', { agent: id, hostname: a.record.hostname, silentMs });
      this.ctx.events.emit({ type: 'AGENT_LOST', agentId: id });
      this.tasks.agentUnreachable(id, at);
      this.ctx.events.emit({ type: 'AGENT_UNREACHABLE', agentId: id, at });
      this.ctx.requestAllocation();
    } finally {
      this.marking.delete(id);
    }
  }

  shutdown(): void {
    for (const a of this.own.values()) this.dropConnection(a);
  }

  /**
   * MARK_AGENT_GONE: removed from the registry (an agent coming back under this id is admitted
   * afresh under a new one), told to shut down, its tasks TASK_GONE_BY_OPERATOR.
   */
  async markGone(agentId: string, why = 'agent was marked gone by the operator'): Promise<void> {
    if (!this.own.has(agentId)) throw new TsmesosError('NOT_FOUND', `unknown agent ${agentId}`);
    await this.ctx.log.propose({ type: 'REMOVE_AGENT', agentId, at: this.ctx.clock.now() });
    const a = this.own.get(agentId);
    if (!a) return; // removed while we were proposing
    this.own.delete(agentId);
    a.connection?.send({ type: 'SHUTDOWN', shutdown: { message: why } });
    this.dropConnection(a);
    this.offers.rescind((o) => o.agentId === agentId);
    this.ctx.events.emit({ type: 'AGENT_LOST', agentId });
    this.tasks.agentGone(agentId);
    this.ctx.logger.warn('agent removed', { agent: agentId, why });
    this.ctx.events.emit({ type: 'AGENT_REMOVED', agentId });
  }

  private reconcileReportedTasks(agentId: string, sub: AgentSubscription): void {
    const reported = new Set<string>();
    for (const t of sub.tasks) {
      reported.add(`${t.frameworkId}/${t.task.taskId}`);
      const fw = this.frameworks.adoptReported(t.frameworkId, t.frameworkInfo);
      this.tasks.adoptTask(fw, t.task, t.state, fw.roles[0] ?? '*');
    }
    this.tasks.agentReregistered(agentId, reported);
  }

  private dropConnection(a: AgentEntry): void {
    const conn = a.connection;
    a.connection = null;
    conn?.close();
  }

  private disconnected(a: AgentEntry, stream: AgentStream): void {
    if (a.connection !== stream) return; // we dropped it ourselves, or a newer subscription replaced it
    a.connection = null;
    this.ctx.logger.info('agent disconnected', { agent: a.record.id });
    this.ctx.events.emit({ type: 'AGENT_DISCONNECTED', agentId: a.record.id });
    this.offers.rescind((o) => o.agentId === a.record.id);
    this.tasks.agentDisconnected(a.record.id);
  }
}

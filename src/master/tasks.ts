import { Resources } from '../domain/resources.js';
import type { ResourceLedger } from './ledger.js';
import type { Resource as WireResource, TaskInfo, TaskStatus, TaskStatusReason } from '../wire/mesos.js';
import { applyOperation, operationResources, type ReservationKind, type Reservations } from './reservations.js';
import type { TaskSpec } from '../domain/task-spec.js';
import { gracePolicy, taskSpecFromWire, taskSpecToWire } from '../wire/task.js';
import { isTerminal, stateForFramework, type TaskState } from '../domain/task-state.js';
import type { MasterContext } from './context.js';
import type { OfferBook } from './offers.js';
import type { FrameworkEntry, TaskEntry } from './state.js';
import { sendToAgent } from './agent-channel.js';
import { forRole } from './allocator/allocate.js';

/** One operation of an ACCEPT, decoded; `where` names it (or each task) in messages. */
export type AcceptOperation =
  | { type: 'LAUNCH'; launches: { info: TaskInfo; where: string }[] }
  | { type: ReservationKind; resources: readonly WireResource[]; where: string };

export interface AcceptRequest {
  offerIds: string[];
  /** Applied in order, as Mesos does: a RESERVE's resources can be launched on by a later LAUNCH. */
  operations: AcceptOperation[];
  refuseSeconds: number;
}

/** Task lifecycle on the master: launch, status updates, acknowledgements, kills, reconciliation. */
export class Tasks {
  /** `frameworks` is read for the tasks inside each entry, which Tasks alone changes. */
  constructor(
    private readonly ctx: MasterContext,
    own: { frameworks: ReadonlyMap<string, FrameworkEntry>; ledger: ResourceLedger },
    private readonly offers: OfferBook,
    private readonly reservations: Reservations,
  ) {
    this.frameworks = own.frameworks;
    this.ledger = own.ledger;
  }

  private readonly frameworks: ReadonlyMap<string, FrameworkEntry>;
  /** Live tasks are counted in it: added on launch or adoption, dropped when they end. */
  private readonly ledger: ResourceLedger;

  /** ACCEPT: validate offers, then each task; valid tasks go to the agent in TASK_STAGING. */
  accept(fw: FrameworkEntry, req: AcceptRequest): void {
    const offers = [];
    let invalid: string | null = null;
    const seen = new Set<string>();
    for (const id of req.offerIds) {
      const o = this.ctx.state.offers.get(id);
      if (seen.has(id)) invalid = `offer ${id} appears more than once`;
      else if (!o) invalid = `offer ${id} is no longer valid`;
      else if (o.frameworkId !== fw.id) invalid = `offer ${id} belongs to another framework`;
      else offers.push(o);
      seen.add(id);
    }
    if (invalid === null && offers.length === 0) invalid = 'no offers given';
    if (invalid === null && new Set(offers.map((o) => o.agentId)).size > 1) invalid = 'offers span more than one agent';
    if (invalid === null && new Set(offers.map((o) => o.role)).size > 1) invalid = 'offers span more than one role';
    // Valid or not, the offers named here are used up.
    for (const o of offers) this.offers.take(o.id);
    if (invalid === null) this.ctx.events.emit({ type: 'OFFERS_ACCEPTED', frameworkId: fw.id, offerIds: offers.map((o) => o.id) });
    if (invalid !== null) {
      for (const l of req.operations.flatMap((op) => (op.type === 'LAUNCH' ? op.launches : []))) this.sendMasterStatus(fw, l.info.task_id.value, l.info.agent_id.value, fw.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_INVALID_OFFERS', invalid);
      for (const o of offers) this.offers.decline(fw.id, o.agentId, o.resources, 0);
      return;
    }
    for (const op of req.operations) fw.metrics.operation(op.type);
    const agentId = offers[0]!.agentId;
    const role = offers[0]!.role;
    let remaining = offers.reduce((acc, o) => acc.add(o.resources), Resources.empty());
    for (const op of req.operations) {
      if (op.type === 'LAUNCH') for (const l of op.launches) remaining = this.launchFromOffer(fw, l, agentId, role, remaining);
      else remaining = this.reserveFromOffer(fw, op, agentId, role, remaining);
    }
    this.offers.decline(fw.id, agentId, remaining, req.refuseSeconds);
  }

  /**
   * RESERVE / UNRESERVE inside an ACCEPT, on the offer's resources. An invalid one is dropped
   * and the others go on, as Mesos does (it logs; operation feedback is not supported here).
   */
  private reserveFromOffer(fw: FrameworkEntry, op: { type: ReservationKind; resources: readonly WireResource[]; where: string }, agentId: string, role: string, remaining: Resources): Resources {
    let resources: Resources;
    try {
      resources = operationResources(op.type, op.resources, `${op.where}.${op.type === 'RESERVE' ? 'reserve' : 'unreserve'}.resources`, role);
    } catch (e) {
      this.ctx.logger.warn('dropping an invalid operation of ACCEPT', { framework: fw.id, operation: op.type, error: e instanceof Error ? e.message : String(e) });
      return remaining;
    }
    const outcome = applyOperation(op.type, remaining, resources);
    if (!outcome.ok) {
      this.ctx.logger.warn('dropping an operation of ACCEPT: the offer does not hold its resources', { framework: fw.id, operation: op.type, missing: outcome.missing.toString() });
      return remaining;
    }
    this.reservations.fromOffer(agentId, op.type, resources);
    return outcome.total;
  }

  /** One task of a LAUNCH: launched on the offer's resources, or refused with TASK_ERROR. Returns what is left. */
  private launchFromOffer(fw: FrameworkEntry, l: { info: TaskInfo; where: string }, agentId: string, role: string, remaining: Resources): Resources {
    let info: TaskSpec;
    try {
      info = taskSpecFromWire(l.info, l.where);
    } catch (e) {
      this.sendMasterStatus(fw, l.info.task_id.value, agentId, 'TASK_ERROR', 'REASON_TASK_INVALID', e instanceof Error ? e.message : String(e));
      return remaining;
    }
    const problem = this.validateTask(fw, info, agentId, remaining, role);
    if (problem !== null) {
      this.sendMasterStatus(fw, l.info.task_id.value, agentId, 'TASK_ERROR', 'REASON_TASK_INVALID', problem);
      return remaining;
    }
    const resources = Resources.of(info.resources);
    this.launch(fw, info, resources, role);
    return remaining.subtract(resources);
  }

  private validateTask(fw: FrameworkEntry, info: TaskSpec, agentId: string, remaining: Resources, role: string): string | null {
    const existing = fw.tasks.get(info.taskId);
    if (existing && !isTerminal(existing.state)) return `task ${info.taskId} already exists`;
    if (info.agentId !== agentId) return `task's agent_id ${info.agentId} does not match the offer's agent ${agentId}`;
    const wanted = Resources.of(info.resources);
    if (!forRole(wanted, role).equals(wanted)) return `task resources use a role other than '${role}' or '*'`;
    if (!remaining.contains(wanted)) return `task resources ${wanted.toString()} are not contained in the offered ${remaining.toString()}`;
    return null;
  }

  private launch(fw: FrameworkEntry, info: TaskSpec, resources: Resources, role: string): void {
    const task: TaskEntry = {
      taskId: info.taskId, frameworkId: fw.id, agentId: info.agentId, info, resources, role,
      state: 'TASK_STAGING', statusUpdateState: null, statusUpdateUuid: null, statuses: [],
    };
    fw.tasks.set(task.taskId, task);
    this.ledger.track('task', task);
    this.ctx.events.emit({ type: 'TASK_ADDED', frameworkId: fw.id, taskId: task.taskId });
    const sent = sendToAgent(this.ctx, task.agentId, {
      type: 'LAUNCH',
      launch: { framework_id: { value: fw.id }, framework_info: fw.info, task: taskSpecToWire(info) },
    });
    if (!sent) this.masterUpdate(fw, task.taskId, task.agentId, fw.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', 'agent is not connected');
  }

  /** An update forwarded by an agent (carries a uuid; the agent retries until acknowledged). */
  agentUpdate(agentId: string, frameworkId: string, reported: TaskStatus, reportedLatest: TaskState): void {
    // A drain with mark_gone ends the agent's tasks as TASK_GONE_BY_OPERATOR (Mesos: the draining agent rewrites them).
    const goneByDrain = this.ctx.state.agents.get(agentId)?.drain?.markGone === true;
    const status: TaskStatus = goneByDrain && isTerminal(reported.state) ? { ...reported, state: 'TASK_GONE_BY_OPERATOR' } : reported;
    const latestState: TaskState = goneByDrain && isTerminal(reportedLatest) ? 'TASK_GONE_BY_OPERATOR' : reportedLatest;
    const fw = this.frameworks.get(frameworkId);
    if (!fw) {
      // Framework removed: tell the agent the update is done so it stops retrying, and to clean up.
      if (status.uuid) sendToAgent(this.ctx, agentId, { type: 'ACKNOWLEDGED', acknowledged: { framework_id: { value: frameworkId }, task_id: status.task_id, uuid: status.uuid } });
      sendToAgent(this.ctx, agentId, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: frameworkId } } });
      return;
    }
    const task = fw.tasks.get(status.task_id.value);
    if (!task) {
      // Already completed (a retry of an acknowledged terminal update): acknowledge again.
      if (status.uuid) sendToAgent(this.ctx, agentId, { type: 'ACKNOWLEDGED', acknowledged: { framework_id: { value: frameworkId }, task_id: status.task_id, uuid: status.uuid } });
      return;
    }
    const wasTerminal = isTerminal(task.state);
    this.setState(task, latestState);
    if (task.statusUpdateUuid !== status.uuid) {
      task.statusUpdateState = status.state;
      task.statusUpdateUuid = status.uuid ?? null;
      task.statuses.push(status);
      if (task.statuses.length > 32) task.statuses.shift();
    }
    if (!wasTerminal && isTerminal(latestState)) this.ctx.requestAllocation(); // resources freed before the ack
    this.forward(fw, status, task.state);
  }

  /** ACKNOWLEDGE: only for the update currently in flight; acked terminal tasks complete. */
  acknowledge(fw: FrameworkEntry, agentId: string, taskId: string, uuid: string): void {
    const task = fw.tasks.get(taskId);
    if (!task || task.statusUpdateUuid !== uuid) return;
    sendToAgent(this.ctx, agentId, { type: 'ACKNOWLEDGED', acknowledged: { framework_id: { value: fw.id }, task_id: { value: taskId }, uuid } });
    if (task.statusUpdateState !== null && isTerminal(task.statusUpdateState)) this.complete(fw, task);
  }

  kill(fw: FrameworkEntry, taskId: string, graceMs: number | undefined): void {
    const task = fw.tasks.get(taskId);
    if (!task || isTerminal(task.state)) {
      this.reconcile(fw, [{ taskId }]);
      return;
    }
    task.killRequested = { graceMs: graceMs ?? null };
    if (!this.sendKill(fw, task)) this.ctx.logger.info('kill deferred: agent disconnected; sent again when it reregisters', { task: taskId, agent: task.agentId });
  }

  /**
   * SHUTDOWN of an executor. tsmesos runs Mesos's command executor only, one per task under the
   * task's id: shutting it down kills its task (the command executor kills its task on shutdown).
   * An unknown executor or agent is ignored, as Mesos's master and agent do.
   */
  shutdownExecutor(fw: FrameworkEntry, agentId: string, executorId: string): void {
    const task = fw.tasks.get(executorId);
    if (!task || task.agentId !== agentId || isTerminal(task.state)) {
      this.ctx.logger.info('SHUTDOWN of an unknown executor ignored', { framework: fw.id, agent: agentId.slice(0, 128), executor: executorId.slice(0, 128) });
      return;
    }
    this.kill(fw, executorId, undefined);
  }

  private sendKill(fw: FrameworkEntry, task: TaskEntry): boolean {
    return sendToAgent(this.ctx, task.agentId, {
      type: 'KILL',
      kill: { framework_id: { value: fw.id }, task_id: { value: task.taskId }, kill_policy: gracePolicy(task.killRequested?.graceMs ?? task.info.killGracePeriodMs) },
    });
  }

  /** RECONCILE: implicit (empty list) or explicit, per Mesos Master::reconcile. */
  reconcile(fw: FrameworkEntry, tasks: { taskId: string; agentId?: string }[]): void {
    if (tasks.length === 0) {
      for (const t of [...fw.tasks.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) this.reconcileKnown(fw, t);
      return;
    }
    for (const { taskId, agentId } of tasks) {
      const t = fw.tasks.get(taskId);
      if (t) {
        this.reconcileKnown(fw, t);
        continue;
      }
      const agents = this.ctx.state.agents;
      const recoveredPending = agentId !== undefined ? agents.get(agentId)?.recovered === true : [...agents.values()].some((a) => a.recovered);
      if (recoveredPending) continue; // Mesos stays silent until recovered agents reregister
      const agent = agentId !== undefined ? agents.get(agentId) : undefined;
      if (agent?.unreachableSince != null) {
        this.sendReconciled(fw, taskId, agentId ?? null, 'TASK_UNREACHABLE', agent.unreachableSince);
        continue;
      }
      const state: TaskState = agent !== undefined ? 'TASK_GONE' : 'TASK_UNKNOWN';
      this.sendReconciled(fw, taskId, agentId ?? null, state);
    }
  }

  /** Framework removed: kill its tasks on their agents and drop them here. */
  frameworkRemoved(fw: FrameworkEntry): void {
    const agents = new Set([...fw.tasks.values()].map((t) => t.agentId));
    for (const agentId of [...agents].sort()) sendToAgent(this.ctx, agentId, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: fw.id } } });
    for (const t of fw.tasks.values()) {
      if (!isTerminal(t.state)) {
        this.setState(t, 'TASK_KILLED');
        // The framework is gone (no stream is told); operator subscribers see the kill, as in Mesos.
        const status: TaskStatus = {
          task_id: { value: t.taskId }, state: 'TASK_KILLED', source: 'SOURCE_MASTER', reason: 'REASON_FRAMEWORK_REMOVED',
          message: 'framework removed', agent_id: { value: t.agentId }, timestamp: this.ctx.clock.now() / 1000,
        };
        t.statuses.push(status);
        this.ctx.events.emit({ type: 'TASK_UPDATED', frameworkId: fw.id, status, state: 'TASK_KILLED' });
      }
      this.complete(fw, t);
    }
    this.ctx.requestAllocation();
  }

  /**
   * The agent came back without some tasks the master knew on it: they are gone. Tasks it
   * still runs that a framework asked to kill get the KILL again (the first may have been
   * lost with the old connection).
   */
  agentReregistered(agentId: string, reportedTaskKeys: ReadonlySet<string>): void {
    for (const fw of [...this.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      for (const t of [...fw.tasks.values()]) {
        if (t.agentId !== agentId || isTerminal(t.state)) continue;
        if (!reportedTaskKeys.has(`${fw.id}/${t.taskId}`)) {
          this.masterUpdate(fw, t.taskId, agentId, 'TASK_GONE', 'REASON_AGENT_RESTARTED', 'task was not found on the agent when it reregistered');
        } else if (t.killRequested) {
          this.ctx.logger.info('task was killed while its agent was away; sending the kill again', { task: t.taskId, agent: agentId });
          this.sendKill(fw, t);
        }
      }
    }
  }

  /**
   * The agent was marked unreachable (at `at`, wall-clock ms): each task on it becomes
   * TASK_UNREACHABLE with its unreachable_time, reason REASON_AGENT_REMOVED (Mesos
   * Master::__removeSlave); frameworks that are not PARTITION_AWARE hear TASK_LOST. The task
   * stays known (Mesos' unreachable tasks) so that the agent can bring it back.
   */
  agentUnreachable(agentId: string, at: number): void {
    for (const fw of [...this.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      for (const t of [...fw.tasks.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
        if (t.agentId !== agentId || isTerminal(t.state) || t.state === 'TASK_UNREACHABLE') continue;
        const status = this.sendMasterStatus(fw, t.taskId, agentId, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'agent is unreachable: it stopped heartbeating', at);
        this.setState(t, 'TASK_UNREACHABLE');
        t.statuses.push(status);
        if (t.statuses.length > 32) t.statuses.shift();
      }
    }
  }

  /**
   * An unreachable agent reregistered (after reconcileReportedTasks adopted what it reports):
   * each task it still runs is told to its framework in its state now, reason
   * REASON_AGENT_REREGISTERED (Mesos Master::__reregisterSlave).
   */
  unreachableAgentBack(agentId: string, reported: readonly { frameworkId: string; taskId: string; state: TaskState }[]): void {
    for (const r of [...reported].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
      const fw = this.frameworks.get(r.frameworkId);
      const t = fw?.tasks.get(r.taskId);
      if (!fw || !t || t.agentId !== agentId || isTerminal(r.state)) continue;
      this.setState(t, r.state);
      const status = this.sendMasterStatus(fw, t.taskId, agentId, r.state, 'REASON_AGENT_REREGISTERED', 'Unreachable agent re-reregistered');
      t.statuses.push(status);
      if (t.statuses.length > 32) t.statuses.shift();
    }
  }

  /** Non-checkpointing frameworks lose their tasks when the agent's connection breaks (Mesos). */
  agentDisconnected(agentId: string): void {
    for (const fw of [...this.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (fw.info.checkpoint === true) continue;
      for (const t of [...fw.tasks.values()]) {
        if (t.agentId === agentId && !isTerminal(t.state)) this.masterUpdate(fw, t.taskId, agentId, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', 'agent disconnected');
      }
    }
  }

  /** Tasks an agent reports on reregistration that this master does not know (after a failover). */
  adoptTask(fw: FrameworkEntry, info: TaskSpec, state: TaskState, role: string): void {
    if (fw.tasks.has(info.taskId)) return;
    // An ended task the agent still reports because our acknowledgement of its terminal update did not
    // reach it (it restarted first) is done here already: its update retry is acknowledged again below
    // (agentUpdate), not adopted as a second copy of the task.
    if (isTerminal(state) && fw.completedTasks.some((t) => t.taskId === info.taskId && t.agentId === info.agentId)) return;
    const task: TaskEntry = {
      taskId: info.taskId, frameworkId: fw.id, agentId: info.agentId, info, resources: Resources.of(info.resources), role,
      state, statusUpdateState: null, statusUpdateUuid: null, statuses: [],
    };
    fw.tasks.set(info.taskId, task);
    if (!isTerminal(state)) this.ledger.track('task', task);
    this.ctx.events.emit({ type: 'TASK_ADDED', frameworkId: fw.id, taskId: info.taskId });
  }

  /** Tasks on the agent that are not terminal yet. */
  runningOnAgent(agentId: string): number {
    let n = 0;
    for (const fw of this.frameworks.values()) for (const t of fw.tasks.values()) if (t.agentId === agentId && !isTerminal(t.state)) n++;
    return n;
  }

  /**
   * DRAIN_AGENT: kills every task on the agent, each with its own kill policy's grace period
   * capped by `maxGraceMs` (Mesos Slave::drain), null: uncapped.
   */
  killAllOnAgent(agentId: string, maxGraceMs: number | null): void {
    for (const fw of [...this.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      for (const t of [...fw.tasks.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
        if (t.agentId !== agentId || isTerminal(t.state)) continue;
        const asked = t.killRequested?.graceMs ?? undefined;
        this.kill(fw, t.taskId, maxGraceMs === null ? asked : Math.min(asked ?? t.info.killGracePeriodMs, maxGraceMs));
      }
    }
  }

  /** MARK_AGENT_GONE: the agent's tasks are gone for good (TASK_GONE_BY_OPERATOR; TASK_LOST for others). */
  agentGone(agentId: string): void {
    for (const fw of [...this.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      for (const t of [...fw.tasks.values()]) {
        if (t.agentId === agentId && !isTerminal(t.state)) this.masterUpdate(fw, t.taskId, agentId, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', 'agent was marked gone by the operator');
      }
    }
  }

  /** A known task's reconciled state: an unreachable one says so (with its agent's unreachable time), others their latest update's. */
  private reconcileKnown(fw: FrameworkEntry, t: TaskEntry): void {
    if (t.state === 'TASK_UNREACHABLE') {
      this.sendReconciled(fw, t.taskId, t.agentId, 'TASK_UNREACHABLE', this.ctx.state.agents.get(t.agentId)?.unreachableSince ?? undefined);
    } else this.sendReconciled(fw, t.taskId, t.agentId, t.statusUpdateState ?? t.state);
  }

  private sendReconciled(fw: FrameworkEntry, taskId: string, agentId: string | null, state: TaskState, unreachableSince?: number): void {
    // Mesos (getTaskHealth): the health of the task's latest status goes with its reconciled state.
    const healthy = fw.tasks.get(taskId)?.statuses.at(-1)?.healthy;
    this.sendMasterStatus(fw, taskId, agentId, state, 'REASON_RECONCILIATION', undefined, unreachableSince, healthy);
  }

  /** A master-generated update: no uuid, never acknowledged; terminal ones complete the task at once. */
  private masterUpdate(fw: FrameworkEntry, taskId: string, agentId: string | null, state: TaskState, reason: TaskStatusReason, message: string): void {
    const status = this.sendMasterStatus(fw, taskId, agentId, state, reason, message);
    const task = fw.tasks.get(taskId);
    if (!task) return;
    this.setState(task, state);
    task.statuses.push(status);
    if (isTerminal(state)) {
      this.complete(fw, task);
      this.ctx.requestAllocation();
    }
  }

  /**
   * Builds and sends a master-generated status (no uuid, source MASTER), in the state this
   * framework may see. Used alone, it names a task without touching one: launches refused
   * before they became tasks, and reconciliation answers.
   */
  private sendMasterStatus(
    fw: FrameworkEntry, taskId: string, agentId: string | null, state: TaskState, reason: TaskStatusReason, message?: string, unreachableSince?: number, healthy?: boolean,
  ): TaskStatus {
    const status: TaskStatus = {
      ...(healthy !== undefined ? { healthy } : {}),
      task_id: { value: taskId }, state: stateForFramework(state, fw.partitionAware), source: 'SOURCE_MASTER', reason,
      timestamp: this.ctx.clock.now() / 1000,
      ...(message !== undefined ? { message } : {}),
      ...(agentId !== null ? { agent_id: { value: agentId } } : {}),
      ...(unreachableSince !== undefined ? { unreachable_time: { nanoseconds: unreachableSince * 1e6 } } : {}),
    };
    const known = fw.tasks.get(taskId);
    // A task's own update (masterUpdate) changes its state to `state` right after this.
    this.ctx.events.emit({ type: 'TASK_UPDATED', frameworkId: fw.id, status, state: known && !isTerminal(known.state) ? state : known?.state ?? state });
    return status;
  }

  private forward(fw: FrameworkEntry, status: TaskStatus, latestState: TaskState): void {
    this.ctx.events.emit({ type: 'TASK_UPDATED', frameworkId: fw.id, status: { ...status, state: stateForFramework(status.state, fw.partitionAware) }, state: latestState });
  }

  /** The one place a task's state changes: entering a terminal state is counted once (metrics). */
  private setState(task: TaskEntry, state: TaskState): void {
    if (!isTerminal(task.state) && isTerminal(state)) {
      this.ctx.terminalTaskCounts.set(state, (this.ctx.terminalTaskCounts.get(state) ?? 0) + 1);
      this.ctx.state.frameworks.get(task.frameworkId)?.metrics.taskEnded(state);
    }
    task.state = state;
    if (isTerminal(state)) this.ledger.untrack(task);
    else this.ledger.track('task', task);
  }

  private complete(fw: FrameworkEntry, task: TaskEntry): void {
    if (fw.tasks.get(task.taskId) !== task) return;
    fw.tasks.delete(task.taskId);
    this.ledger.untrack(task);
    fw.completedTasks.push(task);
    while (fw.completedTasks.length > this.ctx.timings.maxCompletedTasksPerFramework) fw.completedTasks.shift();
  }
}

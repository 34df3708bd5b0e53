import type { Resources } from '../domain/resources.js';
import type { Attribute } from '../domain/attributes.js';
import { attributesToString } from '../domain/attributes.js';
import type { DomainInfo } from '../wire/fault-domain.js';
import { hasCapability, type FrameworkInfo, type TaskStatus, type TaskStatusReason } from '../wire/mesos.js';
import type { TaskSpec } from '../domain/task-spec.js';
import { encode, tryDecodeOwn } from '../wire/codec.js';
import { AgentCall, AgentEvent } from '../wire/agent-channel.js';
import { gracePeriodMs, taskSpecFromWire, taskSpecToWire } from '../wire/task.js';
import { isTerminal, type TaskState } from '../domain/task-state.js';
import type { Clock, Timer } from '../lib/clock.js';
import { HttpClient } from '../lib/http-client.js';
import type { Logger } from '../lib/log.js';
import type { Rng } from '../lib/rng.js';
import type { ContainerRuntime } from '../containerizer/composing.js';
import { canRead, resolveUser } from '../containerizer/task-user.js';
import { containerResources, type LaunchSpec, type ContainerTermination, type ContainerUsage, type RecoveredContainer } from '../containerizer/types.js';
import { loadTaskCheckpoints, removeTaskCheckpoint, saveTaskCheckpoint } from './task-checkpoints.js';
import { createSandbox, updateJournalDir } from './paths.js';
import { StatusUpdateJournal } from './status-update-journal.js';
import { StatusUpdateManager } from './status-updates.js';
import { MasterLink } from './master-link.js';
import { loadAgentId, saveAgentId } from './agent-id-store.js';
import { HealthChecker, type HealthVerdict } from './health-check.js';
import { healthProbe } from './task-supervision.js';
import { DEFAULT_FETCH_MAX_BYTES, fetchUris } from './fetcher.js';

export interface AgentOptions {
  workDir: string;
  ip: string;
  port: number;
  hostname: string;
  resources: Resources;
  attributes: Attribute[];
  /** --domain: sent in AgentInfo; a master without a domain refuses such an agent (Mesos). */
  domain?: DomainInfo;
  masters: { host: string; port: number }[];
  containerizer: ContainerRuntime;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  statusRetryBaseMs?: number;
  /** Most bytes one fetched URI may put in a sandbox (default 2 GiB). */
  fetchMaxBytes?: number;
  /** The client stack to the masters (TLS with this agent's certificate once it joined with a token). */
  http?: HttpClient;
  /** Told when a task ended, with its sandbox: the sandbox garbage collector schedules it. */
  onSandboxDone?: (sandbox: string) => void;
}

/** What the agent counts since it started (Mesos's slave/* and containerizer/* counters). */
export interface AgentCounters {
  tasksFinished: number;
  tasksFailed: number;
  tasksKilled: number;
  tasksLost: number;
  tasksGone: number;
  tasksDropped: number;
  tasksError: number;
  executorsTerminated: number;
  validStatusUpdates: number;
  containerLaunchErrors: number;
  recoveryErrors: number;
  fetchesSucceeded: number;
  fetchesFailed: number;
}

/** A container's end as WAIT_CONTAINER reports it: the containerizer's termination and the task's final state. */
export interface ContainerEnd {
  termination: ContainerTermination;
  state: TaskState;
  reason?: TaskStatusReason;
}

export interface AgentTask {
  frameworkId: string;
  info: TaskSpec;
  containerId: string;
  sandbox: string | null;
  state: TaskState;
  statuses: { state: TaskState; timestamp: number; healthy?: boolean; reason?: TaskStatusReason; message?: string }[];
  killRequested: boolean;
  launchedAt: number;
  /** Why the agent itself killed the task, which decides the terminal update (Mesos command executor). */
  killedBy?: 'health-check' | 'max-completion-time';
  /** Set while the fetcher runs: a kill abandons the fetch. */
  fetching?: AbortController | undefined;
  /** The pid the containerizer reports for the container (posix: the task, its process group leader), once launched; GET_CONTAINERS executor_pid. */
  pid?: number;
  /** The host user the task runs as, when not the agent's own (posix --switch-user). */
  user?: string;
  /** Running-time watchers: the health checker and the max_completion_time timer. */
  watchers?: { stop(): void }[];
}

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  tasks: Map<string, AgentTask>;
  completed: AgentTask[];
}

/** posix (--switch-user, as root): CommandInfo.user, else FrameworkInfo.user, as Mesos; docker: CommandInfo.user only. */
function taskUsers(info: TaskSpec, frameworkInfo: FrameworkInfo): Pick<LaunchSpec, 'user' | 'frameworkUser'> {
  return {
    ...(info.command.user !== undefined ? { user: info.command.user } : {}),
    ...(frameworkInfo.user !== undefined && frameworkInfo.user !== '' ? { frameworkUser: frameworkInfo.user } : {}),
  };
}

/** Why the task's user may not have `source` fetched into its sandbox, if it may not. */
async function readableBy(user: string, source: string): Promise<string | undefined> {
  const ids = await resolveUser(user);
  // An unknown user fails the launch itself, with its own message.
  if (ids === undefined) return undefined;
  return (await canRead(ids, source)) ? undefined : `user '${user}', whom the task runs as, may not read '${source}'`;
}

const MAX_COMPLETED_PER_FRAMEWORK = 150;
const MAX_STATUSES_PER_TASK = 32;

/** The agent: registers with the leading master, runs tasks through its containerizer, reports their states reliably. */
export class Agent {
  agentId: string | undefined;
  readonly frameworks = new Map<string, AgentFramework>();
  readonly completedFrameworks: AgentFramework[] = [];
  readonly startTime: number;
  private readonly updates: StatusUpdateManager;
  private readonly journal: StatusUpdateJournal;
  private readonly link: MasterLink;
  private stopping = false;
  /** Launches between their LAUNCH and their container: stop() waits for them (they create sandbox and checkpoint files). */
  private readonly launching = new Set<Promise<void>>();
  private heartbeat: { cancel(): void } | null = null;
  /** Health probes (to the task on loopback) and fetcher downloads; not bound to the agent's --ip. */
  private readonly taskClient = new HttpClient();
  readonly counters: AgentCounters = {
    tasksFinished: 0, tasksFailed: 0, tasksKilled: 0, tasksLost: 0, tasksGone: 0, tasksDropped: 0, tasksError: 0, executorsTerminated: 0,
    validStatusUpdates: 0, containerLaunchErrors: 0, recoveryErrors: 0, fetchesSucceeded: 0, fetchesFailed: 0,
  };
  /** Seconds the last recover() took (slave/recovery_time_secs); undefined before it ran. */
  recoveryTimeSecs: number | undefined;
  /** Ends of containers, by container id, while their task is known here (WAIT_CONTAINER). */
  private readonly ends = new Map<string, { promise: Promise<ContainerEnd>; resolve: (e: ContainerEnd) => void; settled?: ContainerEnd }>();
  private endsPruneAt = 1024;

  constructor(private readonly opts: AgentOptions) {
    this.startTime = opts.clock.now();
    this.agentId = loadAgentId(opts.workDir);
    this.journal = new StatusUpdateJournal(updateJournalDir(opts.workDir), opts.workDir);
    this.updates = new StatusUpdateManager(
      { send: (fid, status, latest) => this.sendUpdate(fid, status, latest), streamEnded: (fid, taskId) => this.onStreamEnded(fid, taskId) },
      opts.clock, opts.logger, opts.statusRetryBaseMs, undefined, this.journal,
    );
    this.link = new MasterLink({
      masters: opts.masters, localAddress: opts.ip, ...(opts.http ? { http: opts.http } : {}), clock: opts.clock, rng: opts.rng, logger: opts.logger,
      subscribeCall: () => this.subscribeCall(),
      onEvent: (e) => this.onEvent(e),
      onDisconnected: () => {
        this.opts.logger.warn('lost the master; reconnecting');
        this.heartbeat?.cancel();
        this.heartbeat = null;
        this.updates.pause();
      },
    });
  }

  get connected(): boolean {
    return this.link.connectedTo !== null;
  }

  get masterAddress(): string | null {
    const t = this.link.connectedTo;
    return t ? `${t.host}:${t.port}` : null;
  }

  get resources(): Resources {
    return this.opts.resources;
  }

  get attributes(): Attribute[] {
    return this.opts.attributes;
  }

  get domain(): DomainInfo | undefined {
    return this.opts.domain;
  }

  start(): void {
    this.link.start();
  }

  /** What a task's container uses now (`/monitor/statistics`); undefined when it is not running. */
  usage(containerId: string): Promise<ContainerUsage | undefined> {
    return this.opts.containerizer.usage(containerId);
  }

  /** Whether the task's latest update still waits for its acknowledgement (GET_TASKS terminated_tasks). */
  hasPendingUpdate(frameworkId: string, taskId: string): boolean {
    return this.updates.hasPending(frameworkId, taskId);
  }

  /** The task whose container this is, running or ended (still listed). */
  taskOfContainer(containerId: string): AgentTask | undefined {
    for (const fw of this.frameworks.values()) {
      for (const t of fw.tasks.values()) if (t.containerId === containerId) return t;
      for (const t of fw.completed) if (t.containerId === containerId) return t;
    }
    return undefined;
  }

  /**
   * KILL_CONTAINER: kills a running task's container (the task ends TASK_KILLED). False when no running
   * task has this container (Mesos: "cannot be found (or is already killed)").
   */
  killContainer(containerId: string, graceMs: number | undefined): boolean {
    const task = this.taskOfContainer(containerId);
    if (!task || isTerminal(task.state) || task.killRequested || !this.ends.has(containerId)) return false;
    this.kill(task.frameworkId, task.info.taskId, graceMs);
    return true;
  }

  /** WAIT_CONTAINER: resolves when the container ended; undefined for a container this agent does not know. */
  waitContainer(containerId: string): Promise<ContainerEnd> | undefined {
    const end = this.ends.get(containerId);
    if (end?.settled) return Promise.resolve(end.settled);
    return end?.promise;
  }

  private trackEnd(containerId: string): void {
    if (this.ends.has(containerId)) return;
    let resolve!: (e: ContainerEnd) => void;
    const promise = new Promise<ContainerEnd>((r) => (resolve = r));
    this.ends.set(containerId, { promise, resolve });
  }

  private settleEnd(task: AgentTask, termination: ContainerTermination): void {
    const end = this.ends.get(task.containerId);
    if (!end || end.settled) return;
    const last = task.statuses.at(-1);
    end.settled = { termination, state: task.state, ...(last?.reason !== undefined ? { reason: last.reason } : {}) };
    end.resolve(end.settled);
  }

  /** Forgets the ends of containers whose task is no longer listed; runs when the map doubled since the last time. */
  private pruneEnds(): void {
    if (this.ends.size <= this.endsPruneAt) return;
    const known = new Set<string>();
    for (const fw of this.frameworks.values()) {
      for (const t of fw.tasks.values()) known.add(t.containerId);
      for (const t of fw.completed) known.add(t.containerId);
    }
    for (const id of [...this.ends.keys()]) if (!known.has(id)) this.ends.delete(id);
    this.endsPruneAt = Math.max(1024, 2 * this.ends.size);
  }

  /**
   * Before start(), after an agent restart: takes back the checkpointed tasks whose containers
   * survived (`containers`, from the containerizer's recover()), reports the others as failed, and
   * kills containers no checkpoint claims (non-checkpointing frameworks' tasks do not survive, as in Mesos).
   */
  async recover(containers: readonly RecoveredContainer[]): Promise<void> {
    const started = this.opts.clock.monotonic();
    try {
      await this.recoverTasks(containers);
    } finally {
      this.recoveryTimeSecs = (this.opts.clock.monotonic() - started) / 1000;
    }
  }

  private async recoverTasks(containers: readonly RecoveredContainer[]): Promise<void> {
    const alive = new Map(containers.map((c) => [c.containerId, c]));
    // Unacknowledged updates first: they precede whatever the recovery itself reports.
    const journaled = this.journal.load();
    for (const error of journaled.errors) this.opts.logger.warn('status update journal damaged', { error });
    this.counters.recoveryErrors += journaled.errors.length;
    const pending = new Set<string>();
    for (const stream of journaled.streams) {
      this.updates.restore(stream.frameworkId, stream.taskId, stream.pending);
      pending.add(`${stream.frameworkId}/${stream.taskId}`);
    }
    if (journaled.streams.length > 0) this.opts.logger.info('restored unacknowledged status updates', { tasks: journaled.streams.length });
    const { checkpoints, errors } = loadTaskCheckpoints(this.opts.workDir);
    for (const error of errors) this.opts.logger.warn('dropping an unreadable task checkpoint', { error });
    this.counters.recoveryErrors += errors.length;
    for (const cp of checkpoints) {
      // An ended task is kept only while its terminal update waits for the acknowledgement (its container, if any, is an orphan).
      const ended = isTerminal(cp.state);
      if (ended && !pending.has(`${cp.frameworkId}/${cp.task.task_id.value}`)) {
        removeTaskCheckpoint(this.opts.workDir, cp.containerId);
        continue;
      }
      const container = ended ? undefined : alive.get(cp.containerId);
      if (!ended) alive.delete(cp.containerId);
      let info: TaskSpec;
      try {
        info = taskSpecFromWire(cp.task, 'checkpoint.task');
      } catch (err) {
        this.opts.logger.warn('dropping a task checkpoint that no longer validates', { containerId: cp.containerId, error: String(err) });
        removeTaskCheckpoint(this.opts.workDir, cp.containerId);
        if (container) await this.opts.containerizer.kill(cp.containerId, 0);
        continue;
      }
      let fw = this.frameworks.get(cp.frameworkId);
      if (!fw) {
        fw = { id: cp.frameworkId, info: cp.frameworkInfo, tasks: new Map(), completed: [] };
        this.frameworks.set(cp.frameworkId, fw);
      }
      const task: AgentTask = {
        frameworkId: cp.frameworkId, info, containerId: cp.containerId, sandbox: cp.sandbox, state: cp.state, statuses: [],
        killRequested: false, launchedAt: cp.launchedAt,
      };
      // Who the task runs as (its COMMAND health checks run as it too), decided as at its launch.
      const user = this.opts.containerizer.taskUser?.({
        containerId: cp.containerId, sandboxDir: cp.sandbox ?? '', command: info.command, env: {},
        ...(info.container !== undefined ? { container: info.container } : {}), ...taskUsers(info, cp.frameworkInfo),
      });
      if (user !== undefined) task.user = user;
      if (ended) {
        fw.completed.push(task);
        continue;
      }
      fw.tasks.set(info.taskId, task);
      if (container) {
        this.opts.logger.info('recovered task', { task: info.taskId, containerId: cp.containerId, state: task.state });
        this.trackEnd(cp.containerId);
        if (container.pid !== null) task.pid = container.pid;
        void container.termination.then((t) => this.onTermination(task, t));
        if (task.state === 'TASK_KILLING') {
          // The kill began before the crash; its SIGKILL after the grace period died with the old agent.
          task.killRequested = true;
          void this.opts.containerizer.kill(cp.containerId, info.killGracePeriodMs);
        } else {
          // Launched, but the agent died before it could say so.
          if (task.state === 'TASK_STARTING' || task.state === 'TASK_STAGING') this.transition(task, 'TASK_RUNNING');
          this.watchRunning(task);
        }
      } else {
        this.transition(task, 'TASK_FAILED', 'REASON_EXECUTOR_TERMINATED', 'the container did not survive the agent restart');
      }
    }
    for (const orphan of alive.values()) {
      this.opts.logger.warn('killing a container no checkpoint claims', { containerId: orphan.containerId });
      await this.opts.containerizer.kill(orphan.containerId, 0);
    }
  }

  /** Stops talking to the master and kills every task within `graceMs`. */
  /**
   * Stops the agent. Its tasks are killed, unless `keepTasks`: then those of checkpointing
   * frameworks that run in a container go on (a restarted agent recovers them, as Mesos's agent
   * after SIGTERM). Returns how many were left running.
   */
  async stop(graceMs: number, opts: { keepTasks?: boolean } = {}): Promise<number> {
    this.stopping = true;
    this.heartbeat?.cancel();
    this.link.stop();
    this.updates.stop();
    const kills: Promise<void>[] = [];
    let kept = 0;
    for (const fw of this.frameworks.values()) {
      for (const t of fw.tasks.values()) {
        const fetching = t.fetching !== undefined;
        t.fetching?.abort();
        this.stopWatching(t);
        if (opts.keepTasks === true && fw.info.checkpoint === true && !fetching && t.sandbox !== null) kept++;
        else kills.push(this.opts.containerizer.kill(t.containerId, graceMs));
      }
    }
    await Promise.all(kills);
    // A launch that was creating its sandbox when we stopped ends before stop() does (it starts
    // no container now), so nothing writes in the work dir afterwards.
    await Promise.allSettled([...this.launching]);
    return kept;
  }

  private subscribeCall(): unknown {
    const tasks: NonNullable<AgentCall['subscribe']>['tasks'] = [];
    const report = (fw: AgentFramework, t: AgentTask): void => {
      tasks.push({ framework_id: { value: fw.id }, framework_info: fw.info, task: taskSpecToWire(t.info), state: t.state });
    };
    for (const fw of this.frameworks.values()) {
      for (const t of fw.tasks.values()) report(fw, t);
      // Ended tasks whose terminal update is not acknowledged yet are reported too (Mesos
      // ReregisterSlave does): a master that does not know them (new leader) or believes
      // them running must wait for that update instead of calling them gone or dropping it.
      for (const t of fw.completed) {
        if (this.updates.hasPending(fw.id, t.info.taskId)) report(fw, t);
      }
    }
    return encode(AgentCall, {
      type: 'SUBSCRIBE',
      subscribe: {
        ...(this.agentId !== undefined ? { agent_id: { value: this.agentId } } : {}),
        agent_info: { hostname: this.opts.hostname, port: this.opts.port, resources: this.opts.resources.toArray().map((r) => ({ ...r, reservations: [] })), attributes: [], ...(this.opts.domain ? { domain: this.opts.domain } : {}) },
        attributes_text: attributesToString(this.opts.attributes),
        ip: this.opts.ip,
        tasks,
      },
    });
  }

  private onEvent(raw: unknown): void {
    const decoded = tryDecodeOwn(AgentEvent, raw, 'event');
    if (!decoded.ok) {
      this.opts.logger.error('ignoring a malformed event from the master', { error: decoded.message });
      return;
    }
    const e = decoded.value;
    switch (e.type) {
      case 'SUBSCRIBED': {
        if (!e.subscribed) return;
        const id = e.subscribed.agent_id.value;
        if (id !== this.agentId) {
          this.agentId = id;
          saveAgentId(this.opts.workDir, id);
        }
        this.opts.logger.info('subscribed to master', { agent: id, master: this.masterAddress });
        this.startHeartbeat(e.subscribed.heartbeat_interval_seconds ?? 5);
        this.updates.resume();
        return;
      }
      case 'LAUNCH': {
        const l = e.launch;
        if (!l) return;
        let spec: TaskSpec;
        try {
          spec = taskSpecFromWire(l.task, 'launch.task');
        } catch (err) {
          // The master validated it; a task we cannot run is reported, never dropped.
          this.reportUnlaunchable(l.framework_id.value, l.task.task_id.value, err instanceof Error ? err.message : String(err));
          return;
        }
        const launching = this.launch(l.framework_id.value, l.framework_info, spec).catch((err: unknown) =>
          this.opts.logger.error('launch failed', { task: spec.taskId, error: err instanceof Error ? err.message : String(err) }),
        );
        this.launching.add(launching);
        void launching.finally(() => this.launching.delete(launching));
        return;
      }
      case 'KILL': {
        const k = e.kill;
        if (!k) return;
        this.kill(k.framework_id.value, k.task_id.value, killOverrideMs(k.kill_policy));
        return;
      }
      case 'ACKNOWLEDGED':
        if (e.acknowledged) this.updates.acknowledged(e.acknowledged.framework_id.value, e.acknowledged.task_id.value, e.acknowledged.uuid);
        return;
      case 'SHUTDOWN_FRAMEWORK':
        if (e.shutdown_framework) this.shutdownFramework(e.shutdown_framework.framework_id.value);
        return;
      case 'SHUTDOWN':
        this.opts.logger.warn('master asked this agent to shut down', { message: e.shutdown?.message });
        for (const fw of [...this.frameworks.keys()]) this.shutdownFramework(fw);
        return;
      case 'HEARTBEAT':
        return;
    }
  }

  private reportUnlaunchable(frameworkId: string, taskId: string, message: string): void {
    this.updates.enqueue(frameworkId, this.status(taskId, 'TASK_FAILED', 'REASON_TASK_INVALID', message));
  }

  /** Our side of liveness: the master closes the stream of an agent that stops calling in. */
  private startHeartbeat(intervalSeconds: number): void {
    this.heartbeat?.cancel();
    const ms = Math.min(Math.max(intervalSeconds, 0.1), 60) * 1000;
    this.heartbeat = this.opts.clock.setInterval(() => {
      const id = this.agentId;
      if (id === undefined) return;
      this.link.call(encode(AgentCall, { type: 'HEARTBEAT', agent_id: { value: id } })).catch((err: unknown) =>
        this.opts.logger.debug('heartbeat failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    }, ms);
  }

  private async launch(frameworkId: string, frameworkInfo: FrameworkInfo, info: TaskSpec): Promise<void> {
    const agentId = this.agentId;
    if (agentId === undefined || this.stopping) return;
    let fw = this.frameworks.get(frameworkId);
    if (!fw) {
      fw = { id: frameworkId, info: frameworkInfo, tasks: new Map(), completed: [] };
      this.frameworks.set(frameworkId, fw);
    }
    if (fw.tasks.has(info.taskId)) return; // duplicate LAUNCH after a reconnect
    const task: AgentTask = {
      frameworkId, info, containerId: this.opts.rng.uuid(), sandbox: null, state: 'TASK_STAGING', statuses: [], killRequested: false,
      launchedAt: this.opts.clock.now(),
    };
    fw.tasks.set(info.taskId, task);
    const executorId = info.taskId; // command executor: executor id == task id
    try {
      task.sandbox = await createSandbox(this.opts.workDir, { agentId, frameworkId, executorId, containerId: task.containerId });
    } catch (e) {
      this.transition(task, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `cannot create the sandbox: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (task.killRequested) {
      this.transition(task, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'killed before the task started');
      return;
    }
    const spec: LaunchSpec = {
      containerId: task.containerId,
      sandboxDir: task.sandbox,
      command: info.command,
      resources: containerResources(info.resources),
      ...(info.container !== undefined ? { container: info.container } : {}),
      ...taskUsers(info, frameworkInfo),
      owner: { agentId, frameworkId, taskId: info.taskId },
      env: this.mesosEnv(task),
    };
    const taskUser = this.opts.containerizer.taskUser?.(spec);
    if (taskUser !== undefined) task.user = taskUser;
    if ((info.command.uris ?? []).length > 0) {
      const fetching = new AbortController();
      task.fetching = fetching;
      try {
        await fetchUris(info.command.uris!, task.sandbox, {
          client: this.taskClient, maxBytes: this.opts.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES, signal: fetching.signal,
          ...(taskUser !== undefined ? { readableByTaskUser: (source: string) => readableBy(taskUser, source) } : {}),
        });
        this.counters.fetchesSucceeded++;
      } catch (e) {
        if (!task.killRequested) {
          this.counters.fetchesFailed++;
          this.counters.containerLaunchErrors++;
          this.transition(task, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', e instanceof Error ? e.message : String(e));
          return;
        }
      } finally {
        task.fetching = undefined;
      }
      if (task.killRequested) {
        this.transition(task, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'killed before the task started');
        return;
      }
    }
    if (this.stopping) return; // stop() has killed what runs; a container started now would outlive the agent
    this.transition(task, 'TASK_STARTING');
    this.pruneEnds();
    this.trackEnd(task.containerId);
    try {
      const launched = await this.opts.containerizer.launch(spec);
      if (launched.pid !== null) task.pid = launched.pid;
      this.transition(task, 'TASK_RUNNING');
      if (task.killRequested) void this.opts.containerizer.kill(task.containerId, info.killGracePeriodMs);
      else this.watchRunning(task);
      // Followed outside the launch: a task left running by stop({ keepTasks }) must not hold stop() up.
      launched.termination.then((t) => this.onTermination(task, t), (e: unknown) => this.launchFailed(task, e));
    } catch (e) {
      this.launchFailed(task, e);
    }
  }

  private launchFailed(task: AgentTask, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.counters.containerLaunchErrors++;
    this.transition(task, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', message);
    this.settleEnd(task, { exitCode: null, signal: null, killed: false, message });
  }

  /** The variables the agent injects into every task (Mesos's command executor set). */
  private mesosEnv(task: AgentTask): Record<string, string> {
    const sandbox = task.sandbox ?? '';
    return {
      MESOS_SANDBOX: sandbox, MESOS_DIRECTORY: sandbox, MESOS_TASK_ID: task.info.taskId,
      MESOS_FRAMEWORK_ID: task.frameworkId, MESOS_EXECUTOR_ID: task.info.taskId, MESOS_AGENT_ENDPOINT: `${this.opts.ip}:${this.opts.port}`,
      MESOS_CONTAINER_ID: task.containerId,
    };
  }

  /** Once RUNNING: the health checker and the max_completion_time deadline (Mesos command executor). */
  private watchRunning(task: AgentTask): void {
    const watchers: { stop(): void }[] = [];
    const check = task.info.healthCheck;
    if (check !== undefined && task.sandbox !== null) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      const probe = healthProbe(check, this.taskClient, {
        sandbox: task.sandbox, env: { ...env, ...this.mesosEnv(task), ...task.info.command.environment },
        ...(task.user !== undefined ? { user: task.user } : {}),
        ...(task.info.container !== undefined ? { container: task.info.container } : {}),
        ...(task.info.container?.type === 'DOCKER' && this.opts.containerizer.exec !== undefined
          ? { execInContainer: (c, signal) => this.opts.containerizer.exec!(task.containerId, c, signal) }
          : {}),
      });
      const checker = new HealthChecker(check, probe, this.opts.clock, (v, detail) => this.onHealth(task, v, detail));
      checker.start();
      watchers.push(checker);
    }
    const maxMs = task.info.maxCompletionTimeMs;
    if (maxMs !== undefined) {
      const left = Math.max(0, task.launchedAt + maxMs - this.opts.clock.now());
      const timer: Timer = this.opts.clock.setTimeout(() => {
        if (isTerminal(task.state) || task.killRequested) return;
        this.opts.logger.info('task reached its max_completion_time; killing it', { task: task.info.taskId });
        task.killedBy = 'max-completion-time';
        this.kill(task.frameworkId, task.info.taskId, undefined);
      }, left);
      watchers.push({ stop: () => timer.cancel() });
    }
    task.watchers = watchers;
  }

  private stopWatching(task: AgentTask): void {
    for (const w of task.watchers ?? []) w.stop();
    task.watchers = [];
  }

  /** A health verdict: a RUNNING update carrying `healthy`, then a kill when the checks ran out. */
  private onHealth(task: AgentTask, verdict: HealthVerdict, detail: string): void {
    // Like Mesos: no health updates once a kill began or the task ended.
    if (isTerminal(task.state) || task.killRequested || task.state !== 'TASK_RUNNING') return;
    this.opts.logger.info('health check verdict', { task: task.info.taskId, healthy: verdict.healthy, failures: verdict.consecutiveFailures, detail });
    this.transition(task, 'TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', verdict.healthy ? undefined : `Health check failed: ${detail}`, verdict.healthy);
    if (verdict.killTask) {
      task.killedBy = 'health-check';
      this.kill(task.frameworkId, task.info.taskId, undefined);
    }
  }

  private onTermination(task: AgentTask, t: ContainerTermination): void {
    this.stopWatching(task);
    this.counters.executorsTerminated++;
    try {
      this.terminate(task, t);
    } finally {
      this.settleEnd(task, t);
    }
  }

  private terminate(task: AgentTask, t: ContainerTermination): void {
    if (isTerminal(task.state)) return;
    if (task.killedBy === 'max-completion-time') this.transition(task, 'TASK_FAILED', 'REASON_MAX_COMPLETION_TIME_REACHED', `Task exceeded its max_completion_time: ${t.message}`);
    else if (t.limitation?.resource === 'mem' && !task.killRequested) this.transition(task, 'TASK_FAILED', 'REASON_CONTAINER_LIMITATION_MEMORY', t.message);
    else if ((t.killed || task.killRequested) && task.killedBy === 'health-check') this.transition(task, 'TASK_KILLED', undefined, t.message, false);
    else if (t.killed || task.killRequested) this.transition(task, 'TASK_KILLED', undefined, t.message);
    else if (t.exitCode === 0) this.transition(task, 'TASK_FINISHED', undefined, 'Command exited with status 0');
    else this.transition(task, 'TASK_FAILED', 'REASON_COMMAND_EXECUTOR_FAILED', t.message);
  }

  private kill(frameworkId: string, taskId: string, graceMs: number | undefined): void {
    const task = this.frameworks.get(frameworkId)?.tasks.get(taskId);
    if (!task) {
      // Unknown here: tell the master it is gone so it does not wait forever.
      const status = this.status(taskId, 'TASK_LOST', 'REASON_RECONCILIATION', 'task is not known on this agent');
      this.updates.enqueue(frameworkId, status);
      return;
    }
    if (isTerminal(task.state) || task.state === 'TASK_KILLING') return;
    task.killRequested = true;
    task.fetching?.abort();
    this.stopWatching(task);
    if (task.state === 'TASK_RUNNING') {
      // Mesos's command executor: frameworks with TASK_KILLING_STATE hear that the kill began.
      const fw = this.frameworks.get(frameworkId);
      if (fw && hasCapability(fw.info, 'TASK_KILLING_STATE')) this.transition(task, 'TASK_KILLING');
      void this.opts.containerizer.kill(task.containerId, graceMs ?? task.info.killGracePeriodMs);
    }
  }

  private shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    this.updates.dropFramework(frameworkId);
    if (!fw) return;
    for (const t of fw.tasks.values()) {
      t.killRequested = true;
      t.fetching?.abort();
      this.stopWatching(t);
      void this.opts.containerizer.kill(t.containerId, t.info.killGracePeriodMs);
    }
    // Their updates were dropped with the framework: nothing keeps the ended tasks' checkpoints either.
    for (const t of fw.completed) removeTaskCheckpoint(this.opts.workDir, t.containerId);
    this.frameworks.delete(frameworkId);
    this.completedFrameworks.push(fw);
    if (this.completedFrameworks.length > 50) this.completedFrameworks.shift();
  }

  /** Checkpointing frameworks: the task survives an agent restart (a failed write only costs that). */
  private checkpoint(fw: AgentFramework, task: AgentTask): void {
    if (task.sandbox === null) return;
    try {
      saveTaskCheckpoint(this.opts.workDir, {
        frameworkId: fw.id, frameworkInfo: fw.info, task: taskSpecToWire(task.info), containerId: task.containerId,
        sandbox: task.sandbox, state: task.state, launchedAt: task.launchedAt,
      });
    } catch (err) {
      this.opts.logger.warn('cannot checkpoint task', { task: task.info.taskId, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** A task's terminal update was acknowledged: its checkpoint has served. */
  private onStreamEnded(frameworkId: string, taskId: string): void {
    const task = this.frameworks.get(frameworkId)?.completed.findLast((t) => t.info.taskId === taskId);
    if (task) removeTaskCheckpoint(this.opts.workDir, task.containerId);
  }

  private transition(task: AgentTask, state: TaskState, reason?: TaskStatusReason, message?: string, healthy?: boolean): void {
    const changed = task.state !== state;
    task.state = state;
    // From STARTING on (a container may exist) a restarted agent knows the task and its latest state;
    // an ended task until its terminal update is acknowledged (onStreamEnded), to report it when it reregisters.
    const owner = this.frameworks.get(task.frameworkId);
    const checkpointing = owner?.info.checkpoint === true && owner.tasks.get(task.info.taskId) === task;
    if (checkpointing && changed) this.checkpoint(owner, task);
    else if (!checkpointing && isTerminal(state)) removeTaskCheckpoint(this.opts.workDir, task.containerId);
    task.statuses.push({
      state, timestamp: this.opts.clock.now() / 1000, ...(healthy !== undefined ? { healthy } : {}),
      ...(reason !== undefined ? { reason } : {}), ...(message !== undefined ? { message: message.slice(0, 4096) } : {}),
    });
    if (changed && isTerminal(state)) this.countTerminal(task, state);
    // Health updates repeat RUNNING without end: keep the first status (the start time) and the latest ones.
    if (task.statuses.length > MAX_STATUSES_PER_TASK) task.statuses.splice(1, 1);
    const fw = this.frameworks.get(task.frameworkId);
    if (isTerminal(state) && fw && fw.tasks.get(task.info.taskId) === task) {
      fw.tasks.delete(task.info.taskId);
      fw.completed.push(task);
      if (fw.completed.length > MAX_COMPLETED_PER_FRAMEWORK) fw.completed.shift();
    }
    if (!fw) return; // framework shut down: nobody to tell
    const status = this.status(task.info.taskId, state, reason, message);
    this.counters.validStatusUpdates++;
    this.updates.enqueue(task.frameworkId, healthy !== undefined ? { ...status, healthy } : status, fw.info.checkpoint === true);
  }

  private countTerminal(task: AgentTask, state: TaskState): void {
    const c = this.counters;
    if (state === 'TASK_FINISHED') c.tasksFinished++;
    else if (state === 'TASK_FAILED') c.tasksFailed++;
    else if (state === 'TASK_KILLED') c.tasksKilled++;
    else if (state === 'TASK_LOST') c.tasksLost++;
    else if (state === 'TASK_GONE' || state === 'TASK_GONE_BY_OPERATOR') c.tasksGone++;
    else if (state === 'TASK_DROPPED') c.tasksDropped++;
    else if (state === 'TASK_ERROR') c.tasksError++;
    if (task.sandbox !== null) this.opts.onSandboxDone?.(task.sandbox);
  }

  private status(taskId: string, state: TaskState, reason?: TaskStatusReason, message?: string): TaskStatus {
    return {
      task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR',
      ...(this.agentId !== undefined ? { agent_id: { value: this.agentId } } : {}),
      executor_id: { value: taskId }, timestamp: this.opts.clock.now() / 1000,
      uuid: this.opts.rng.bytes(16).toString('base64'),
      ...(reason !== undefined ? { reason } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  }

  private async sendUpdate(frameworkId: string, status: TaskStatus, latestState: TaskState): Promise<boolean> {
    if (this.agentId === undefined) return false;
    const code = await this.link.call(encode(AgentCall, { type: 'UPDATE', agent_id: { value: this.agentId }, update: { framework_id: { value: frameworkId }, status, latest_state: latestState } }));
    return code === 202;
  }
}

/** A KILL's own grace period, if the framework gave one; a malformed one falls back to the task's. */
function killOverrideMs(policy: Parameters<typeof gracePeriodMs>[0]): number | undefined {
  try {
    return gracePeriodMs(policy, 'kill.kill_policy');
  } catch {
    return undefined;
  }
}

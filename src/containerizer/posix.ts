// Runs tasks as plain host processes, with Mesos command-executor semantics:
// one process group per container, output to sandbox files, SIGTERM then SIGKILL. Each task runs
// under a small supervisor (posix-shim.ts) so it survives an agent crash and a restarted agent
// (given a state directory) adopts it again: recover() finds it by the supervisor's pid and start
// time, follows it until it ends, and reads its exit status from the file the supervisor wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { launchOnce, settledContainer } from './launch-once.js';
import { TsmesosError } from '../domain/errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/log.js';
import pidusage from 'pidusage';
import type { CgroupsIsolator, ContainerCgroup } from './cgroups.js';
import {
  describeTermination, executable, launchError, memoryLimitation, openOutputFiles, settlesWithin, signalGroup, spawned, taskEnvironment, validateSpec,
} from './posix-process.js';
import { missingExecutable } from './posix-executable.js';
import { decodeWaitStatus, findPerl, releaseShim, ShimRefusal, shimCommand, taskPidOf } from './posix-shim.js';
import {
  exitFileOf, loadContainerStates, prepareContainerState, processStartTime, readBootId, readExitStatus, removeContainerState, saveCheckpoint, type PosixCheckpoint,
} from './posix-recovery.js';
import type { ContainerResources, ContainerTermination, ContainerUsage, Containerizer, LaunchSpec, LaunchedContainer, RecoveredContainer } from './types.js';

export interface PosixContainerizerOptions {
  logger?: Logger;
  clock?: Clock;
  /** Environment every task inherits; defaults to the agent's own process environment. */
  baseEnv?: NodeJS.ProcessEnv;
  /**
   * cgroups isolation (Mesos cgroups/cpu, cgroups/mem): limits from the task's resources, OOM
   * reporting, accounting from the cgroup. Unset: posix/cpu,posix/mem (pidusage accounting only).
   */
  cgroups?: CgroupsIsolator;
  /** How often a memory-limited container's OOM counter is checked (Mesos destroys the container on an OOM). */
  oomCheckIntervalMs?: number;
  /**
   * Where containers are checkpointed (the agent's meta dir) so a restarted agent adopts them.
   * Unset: nothing is checkpointed and recover() adopts nothing.
   */
  stateDir?: string;
  /** This boot's id (default: /proc/sys/kernel/random/boot_id); checkpoints of another boot are not adopted. */
  bootId?: string;
  /** How often an adopted task's supervisor is checked for its exit (it is not our child: no exit event). */
  adoptedPollMs?: number;
  /** The perl the supervisor runs on (default: found on PATH). */
  perl?: string;
  /**
   * Mesos --switch_user (default true): when the agent runs as root, a task runs as its
   * CommandInfo.user, else its FrameworkInfo.user; false (or an agent not running as root): as the
   * agent's own user.
   */
  switchUser?: boolean;
  /** Whether the agent runs as root (default: its effective uid is 0); tests only. */
  runningAsRoot?: boolean;
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the supervisor ended without reporting the task's exit. */
  unknown?: string;
}

interface RunningContainer {
  readonly containerId: string;
  /** The task's pid, also its process group id. */
  readonly pid: number;
  readonly cgroup: ContainerCgroup | undefined;
  readonly termination: Promise<ContainerTermination>;
  /** Makes the termination report killed: true. */
  markKilled(): void;
  /** Signals the task's process group, unless the container is known to be gone (no pid reuse). */
  signal(signal: NodeJS.Signals): void;
}

/** How a container is followed to its end: a child of ours, or a supervisor an earlier agent started. */
interface Followed {
  exited: Promise<ExitStatus>;
  /** False once the container's supervisor is gone (its pids may be reused). */
  ours(): boolean;
}

export class PosixContainerizer implements Containerizer {
  readonly name = 'posix';
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly cgroups: CgroupsIsolator | undefined;
  private readonly oomCheckIntervalMs: number;
  private readonly stateDir: string | undefined;
  private readonly bootId: string;
  private readonly adoptedPollMs: number;
  private readonly perl: string | undefined;
  private readonly switchUser: boolean;
  private readonly running = new Map<string, RunningContainer>();
  /** Launches in flight, so a kill that races a launch waits for it instead of missing it. */
  private readonly starting = new Map<string, Promise<unknown>>();

  constructor(options: PosixContainerizerOptions = {}) {
    this.logger = (options.logger ?? silentLogger).child('posix-containerizer');
    this.clock = options.clock ?? systemClock;
    this.baseEnv = options.baseEnv ?? process.env;
    this.cgroups = options.cgroups;
    this.oomCheckIntervalMs = options.oomCheckIntervalMs ?? 200;
    this.stateDir = options.stateDir;
    this.bootId = options.bootId ?? readBootId();
    this.adoptedPollMs = options.adoptedPollMs ?? 250;
    this.perl = options.perl ?? findPerl();
    this.switchUser = (options.switchUser ?? true) && (options.runningAsRoot ?? process.geteuid?.() === 0);
  }

  /** The user a task runs as (Mesos: CommandInfo.user, else FrameworkInfo.user); undefined: the agent's own. */
  taskUser(spec: LaunchSpec): string | undefined {
    if (!this.switchUser) return undefined;
    const user = spec.user !== undefined && spec.user !== '' ? spec.user : spec.frameworkUser;
    return user !== undefined && user !== '' ? user : undefined;
  }

  /** 'cgroups/cpu,cgroups/mem' style description of the isolation in force. */
  get isolation(): string {
    const c = this.cgroups?.isolation;
    return `${c?.cpu === true ? 'cgroups' : 'posix'}/cpu,${c?.mem === true ? 'cgroups' : 'posix'}/mem`;
  }

  supports(spec: LaunchSpec): boolean {
    return spec.container?.type !== 'DOCKER';
  }

  launch(spec: LaunchSpec): Promise<LaunchedContainer> {
    return launchOnce(spec.containerId, this.running, this.starting, () => this.start(spec));
  }

  async kill(containerId: string, gracePeriodMs: number): Promise<void> {
    const container = await settledContainer(containerId, this.running, this.starting);
    if (!container) return;
    container.markKilled();
    this.logger.info('killing container', { containerId, pid: container.pid, gracePeriodMs });
    container.signal('SIGTERM');
    const exitedInGrace = await settlesWithin(container.termination, gracePeriodMs, this.clock);
    if (!exitedInGrace) {
      this.logger.warn('container ignored SIGTERM; sending SIGKILL', { containerId, pid: container.pid });
      container.signal('SIGKILL');
    }
    await container.termination;
  }

  containers(): string[] {
    return [...this.running.keys()];
  }

  /**
   * After an agent restart: adopts the containers of this boot whose supervisor still runs (same
   * pid, same start time) and those that ended while the agent was down (their exit file tells
   * how); forgets checkpoints of another boot. What is left in cgroups no adopted container owns
   * is killed and removed (Mesos: unknown containers are destroyed).
   */
  async recover(): Promise<RecoveredContainer[]> {
    const recovered: RecoveredContainer[] = [];
    const stateDir = this.stateDir;
    for (const { containerId, checkpoint } of stateDir ? loadContainerStates(stateDir) : []) {
      if (this.running.has(containerId) || this.starting.has(containerId)) continue;
      if (!checkpoint || checkpoint.bootId !== this.bootId) {
        this.logger.info('forgetting a container that cannot be adopted', { containerId, reason: checkpoint ? 'checkpointed in another boot' : 'no checkpoint' });
        removeContainerState(stateDir!, containerId);
        continue;
      }
      const cgroup = checkpoint.cgroup && this.cgroups ? this.cgroups.attach(containerId, checkpoint.resources) : undefined;
      const launched = this.track(containerId, checkpoint.resources, checkpoint.taskPid, this.followAdopted(checkpoint), cgroup);
      this.logger.info('adopted container', { containerId, pid: checkpoint.taskPid });
      recovered.push(launched);
    }
    if (this.cgroups) {
      for (const id of this.cgroups.leftovers()) {
        if (this.running.has(id) || this.starting.has(id)) continue;
        this.logger.warn('destroying a container cgroup left by an earlier agent', { containerId: id });
        await this.cgroups.destroy(id).catch((err: unknown) => this.logger.warn('cannot remove cgroup', { containerId: id, err }));
      }
    }
    return recovered;
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const container = this.running.get(containerId);
    if (!container) return undefined;
    if (container.cgroup) return container.cgroup.usage();
    const stats = await pidusage(container.pid).catch(() => undefined);
    if (!stats) return undefined;
    return { timestamp: stats.timestamp / 1000, cpusTimeSecs: stats.ctime / 1000, memRssBytes: stats.memory };
  }

  /** Agent shutdown: kill every container (including launches in flight) and wait for all of them. */
  async destroyAll(gracePeriodMs: number): Promise<void> {
    const ids = new Set([...this.running.keys(), ...this.starting.keys()]);
    await Promise.all([...ids].map((id) => this.kill(id, gracePeriodMs)));
  }

  private async start(spec: LaunchSpec): Promise<LaunchedContainer> {
    validateSpec(spec);
    const perl = this.perl;
    if (perl === undefined) throw new TsmesosError('UNAVAILABLE', `Container '${spec.containerId}': the posix containerizer needs perl on PATH (it supervises every task)`);
    const { file, args, argv0 } = executable(spec);
    const output = await openOutputFiles(spec);
    const env = taskEnvironment(this.baseEnv, spec);
    // The supervisor execs the task itself, so a missing binary would only show as an exit 127: say it now, as spawn does.
    const missing = missingExecutable(file, spec.sandboxDir, env['PATH']);
    if (missing) {
      await output.close();
      throw launchError(spec, file, missing);
    }
    let cgroup: ContainerCgroup | undefined;
    let child: ChildProcess;
    try {
      cgroup = this.cgroups?.create(spec.containerId);
      if (this.stateDir) prepareContainerState(this.stateDir, spec.containerId);
    } catch (e) {
      await output.close();
      await cgroup?.destroy().catch(() => undefined);
      throw new TsmesosError('INTERNAL', `Container '${spec.containerId}': cannot prepare it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const forget = async (): Promise<void> => {
      await cgroup?.destroy().catch(() => undefined);
      if (this.stateDir) removeContainerState(this.stateDir, spec.containerId);
    };
    // With cgroups the supervisor joins them itself, then waits at its gate until the limits are written.
    const user = this.taskUser(spec);
    const run = shimCommand(perl, { file, args, argv0 }, env, {
      ...(user !== undefined ? { user } : {}),
      gated: cgroup !== undefined, exitFile: this.stateDir ? exitFileOf(this.stateDir, spec.containerId) : '', ...(cgroup ? { cgroupProcs: cgroup.procsFiles() } : {}),
    });
    const spawnChild = (): ChildProcess =>
      spawn(run.file, run.args, {
        cwd: spec.sandboxDir,
        env: run.env,
        // Own session: the supervisor and the task outlive the agent; the task gets its own process group.
        detached: true,
        // The task writes straight into the files: output survives an agent crash. fd 3: the supervisor's control pipe.
        stdio: ['ignore', output.stdout.fd, output.stderr.fd, 'pipe'],
      });
    try {
      // The supervisor joins the cgroups before its gate, so the task and all it starts run inside
      // them; the agent does not move itself in and out around the fork (two cgroup migrations of a
      // many-threaded process per launch, milliseconds each, on the agent's event loop).
      child = spawnChild();
    } catch (e) {
      await output.close();
      await forget();
      throw launchError(spec, file, e);
    }
    // A supervisor that died early must not turn a write into an uncaught EPIPE.
    child.stdio[3]?.on('error', (err) => this.logger.debug('supervisor pipe error', { containerId: spec.containerId, err }));
    // Listen before any await: a fast task can exit while we are still closing our copies of the fds.
    const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const taskPid = taskPidOf(child);
    taskPid.catch(() => undefined);
    try {
      await spawned(child);
    } catch (e) {
      await forget();
      throw launchError(spec, file, e);
    } finally {
      await output.close();
    }
    const shimPid = child.pid;
    if (shimPid === undefined) throw new TsmesosError('INTERNAL', `Container '${spec.containerId}' started without a pid`);
    // Late errors (none expected once spawned) must not crash the agent.
    child.on('error', (err) => this.logger.error('container process error', { containerId: spec.containerId, err }));
    let pid: number;
    try {
      if (cgroup) {
        cgroup.applyLimits(spec.resources ?? {});
        // Limits in force: let the supervisor start the task (until now only it ran, in the cgroup or joining it).
        releaseShim(child);
      }
      pid = await taskPid;
    } catch (e) {
      signalGroup(shimPid, 'SIGKILL');
      await exited;
      await forget();
      if (e instanceof ShimRefusal) throw new TsmesosError('BAD_REQUEST', `Failed to launch container '${spec.containerId}': ${e.message}`, { cause: e });
      throw new TsmesosError('INTERNAL', `Container '${spec.containerId}': cannot start it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const shimStartTime = processStartTime(shimPid);
    // A supervisor already gone (a task that ended at once) needs no checkpoint: its exit event is on its way.
    if (this.stateDir && shimStartTime !== undefined) {
      try {
        saveCheckpoint(this.stateDir, {
          containerId: spec.containerId, bootId: this.bootId, shimPid, shimStartTime, taskPid: pid, resources: spec.resources ?? {}, cgroup: cgroup !== undefined,
        });
      } catch (err) {
        this.logger.warn('cannot checkpoint container; it will not survive an agent restart', { containerId: spec.containerId, err });
      }
    }
    const launched = this.track(spec.containerId, spec.resources ?? {}, pid, { exited, ours: () => true }, cgroup);
    this.logger.info('container launched', { containerId: spec.containerId, pid, isolation: this.isolation, ...(user !== undefined ? { user } : {}) });
    return launched;
  }

  /** An adopted container: its supervisor is polled (not our child), its exit read from the file it wrote. */
  private followAdopted(cp: PosixCheckpoint): Followed {
    const alive = (): boolean => processStartTime(cp.shimPid) === cp.shimStartTime;
    const exited = new Promise<ExitStatus>((resolve) => {
      const finish = (): void => {
        const status = readExitStatus(this.stateDir!, cp.containerId);
        resolve(status !== undefined ? decodeWaitStatus(status) : { code: null, signal: null, unknown: "the task's supervisor ended without recording the task's exit" });
      };
      if (!alive()) return finish();
      const poll = this.clock.setInterval(() => {
        if (alive()) return;
        poll.cancel();
        finish();
      }, this.adoptedPollMs);
    });
    return { exited, ours: alive };
  }

  private track(containerId: string, resources: ContainerResources, pid: number, followed: Followed, cgroup: ContainerCgroup | undefined): LaunchedContainer {
    const kill = { requested: false };
    const oom = { killed: false };
    const signal = (sig: NodeJS.Signals): void => {
      if (followed.ours()) signalGroup(pid, sig);
    };
    // Mesos's memory isolator destroys a container whose cgroup saw an OOM kill, even when the
    // task's own process survived it (a child was the victim).
    const oomWatch =
      cgroup && resources.memMb !== undefined
        ? this.clock.setInterval(() => {
            if (oom.killed || cgroup.oomKills() === 0) return;
            oom.killed = true;
            this.logger.warn('container exceeded its memory limit; destroying it', { containerId, memMb: resources.memMb });
            signal('SIGKILL');
          }, this.oomCheckIntervalMs)
        : undefined;
    const termination = followed.exited.then(async ({ code, signal: sig, unknown }) => {
      oomWatch?.cancel();
      // The container ends with its leader (Mesos destroys the container when the executor exits):
      // reap background processes the task left behind (the supervisor did too). Best effort:
      // termination never rejects.
      try {
        signal('SIGKILL');
      } catch (err) {
        this.logger.warn('could not reap process group', { containerId, pid, err });
      }
      const oomKilled = oom.killed || (cgroup !== undefined && resources.memMb !== undefined && cgroup.oomKills() > 0);
      await cgroup?.destroy().catch((err: unknown) => this.logger.warn('could not remove the container cgroups', { containerId, err }));
      if (this.stateDir) removeContainerState(this.stateDir, containerId);
      this.running.delete(containerId);
      const result =
        oomKilled && !kill.requested
          ? memoryLimitation(code, sig, resources.memMb)
          : unknown !== undefined
            ? { exitCode: null, signal: null, killed: kill.requested, message: unknown }
            : describeTermination(code, sig, kill.requested);
      this.logger.info('container terminated', { containerId, pid, ...result });
      return result;
    });
    this.running.set(containerId, {
      containerId,
      pid,
      cgroup,
      termination,
      markKilled: () => void (kill.requested = true),
      signal,
    });
    return { containerId, pid, termination };
  }
}

// Runs tasks as plain host processes, with Mesos command-executor semantics:
// one process group per container, output to sandbox files, SIGTERM then SIGKILL.
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
import { gatedCommand, missingExecutable, releaseGate } from './posix-gate.js';
import type { ContainerTermination, ContainerUsage, Containerizer, LaunchSpec, LaunchedContainer, RecoveredContainer } from './types.js';

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
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningContainer {
  readonly containerId: string;
  /** Also the process group id: the task is started in its own session. */
  readonly pid: number;
  readonly cgroup: ContainerCgroup | undefined;
  readonly termination: Promise<ContainerTermination>;
  /** Makes the termination report killed: true. */
  markKilled(): void;
}

export class PosixContainerizer implements Containerizer {
  readonly name = 'posix';
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly cgroups: CgroupsIsolator | undefined;
  private readonly oomCheckIntervalMs: number;
  private readonly running = new Map<string, RunningContainer>();
  /** Launches in flight, so a kill that races a launch waits for it instead of missing it. */
  private readonly starting = new Map<string, Promise<unknown>>();

  constructor(options: PosixContainerizerOptions = {}) {
    this.logger = (options.logger ?? silentLogger).child('posix-containerizer');
    this.clock = options.clock ?? systemClock;
    this.baseEnv = options.baseEnv ?? process.env;
    this.cgroups = options.cgroups;
    this.oomCheckIntervalMs = options.oomCheckIntervalMs ?? 200;
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
    signalGroup(container.pid, 'SIGTERM');
    const exitedInGrace = await settlesWithin(container.termination, gracePeriodMs, this.clock);
    if (!exitedInGrace) {
      this.logger.warn('container ignored SIGTERM; sending SIGKILL', { containerId, pid: container.pid });
      signalGroup(container.pid, 'SIGKILL');
    }
    await container.termination;
  }

  containers(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Host processes are not adopted by a restarted agent yet: nothing is recovered, and what a
   * dead agent left in its cgroups is killed and removed (Mesos: unknown containers are destroyed).
   */
  async recover(): Promise<RecoveredContainer[]> {
    if (!this.cgroups) return [];
    for (const id of this.cgroups.leftovers()) {
      if (this.running.has(id) || this.starting.has(id)) continue;
      this.logger.warn('destroying a container cgroup left by an earlier agent', { containerId: id });
      await this.cgroups.destroy(id).catch((err: unknown) => this.logger.warn('cannot remove cgroup', { containerId: id, err }));
    }
    return [];
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
    const { file, args, argv0 } = executable(spec);
    const output = await openOutputFiles(spec);
    let cgroup: ContainerCgroup | undefined;
    let child: ChildProcess;
    try {
      cgroup = this.cgroups?.create(spec.containerId);
    } catch (e) {
      await output.close();
      throw new TsmesosError('INTERNAL', `Container '${spec.containerId}': cannot create its cgroups: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const env = taskEnvironment(this.baseEnv, spec);
    if (cgroup) {
      // The gate execs the task itself, so a missing binary would only show as an exit 127: say it now, as spawn does.
      const missing = missingExecutable(file, spec.sandboxDir, env['PATH']);
      if (missing) {
        await output.close();
        await cgroup.destroy().catch(() => undefined);
        throw launchError(spec, file, missing);
      }
    }
    // With cgroups the child is a gate (gatedCommand) that waits until the limits are written.
    const run = cgroup ? gatedCommand({ file, args, argv0 }) : { file, args, argv0 };
    const spawnChild = (): ChildProcess =>
      spawn(run.file, run.args, {
        ...(run.argv0 !== undefined ? { argv0: run.argv0 } : {}),
        cwd: spec.sandboxDir,
        env,
        // Own session and process group, so kill() reaches everything the task forks.
        detached: true,
        // The child writes straight into the files: output survives an agent crash. fd 3: the gate's pipe.
        stdio: cgroup ? ['ignore', output.stdout.fd, output.stderr.fd, 'pipe'] : ['ignore', output.stdout.fd, output.stderr.fd],
      });
    try {
      // Inside the cgroups from the fork on: nothing the task starts escapes its limits.
      child = cgroup ? cgroup.spawnInside(spawnChild) : spawnChild();
    } catch (e) {
      await output.close();
      await cgroup?.destroy().catch(() => undefined);
      throw launchError(spec, file, e);
    }
    // A gate that died before its release must not turn the write into an uncaught EPIPE.
    child.stdio[3]?.on('error', (err) => this.logger.debug('gate pipe error', { containerId: spec.containerId, err }));
    // Listen before any await: a fast task can exit while we are still closing our copies of the fds.
    const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await spawned(child);
    } catch (e) {
      await cgroup?.destroy().catch(() => undefined);
      throw launchError(spec, file, e);
    } finally {
      await output.close();
    }
    const pid = child.pid;
    if (pid === undefined) throw new TsmesosError('INTERNAL', `Container '${spec.containerId}' started without a pid`);
    // Late errors (none expected once spawned) must not crash the agent.
    child.on('error', (err) => this.logger.error('container process error', { containerId: spec.containerId, err }));
    try {
      if (cgroup) {
        cgroup.applyLimits(spec.resources ?? {});
        // Limits in force: let the task exec (until now only the gate ran in the cgroup).
        releaseGate(child);
      }
    } catch (e) {
      signalGroup(pid, 'SIGKILL');
      await exited;
      await cgroup?.destroy().catch(() => undefined);
      throw new TsmesosError('INTERNAL', `Container '${spec.containerId}': cannot apply its cgroup limits: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return this.track(spec, pid, exited, cgroup);
  }

  private track(spec: LaunchSpec, pid: number, exited: Promise<ExitStatus>, cgroup: ContainerCgroup | undefined): LaunchedContainer {
    const { containerId } = spec;
    const kill = { requested: false };
    const oom = { killed: false };
    // Mesos's memory isolator destroys a container whose cgroup saw an OOM kill, even when the
    // task's own process survived it (a child was the victim).
    const oomWatch =
      cgroup && spec.resources?.memMb !== undefined
        ? this.clock.setInterval(() => {
            if (oom.killed || cgroup.oomKills() === 0) return;
            oom.killed = true;
            this.logger.warn('container exceeded its memory limit; destroying it', { containerId, memMb: spec.resources?.memMb });
            signalGroup(pid, 'SIGKILL');
          }, this.oomCheckIntervalMs)
        : undefined;
    const termination = exited.then(async ({ code, signal }) => {
      oomWatch?.cancel();
      // The container ends with its leader (Mesos destroys the container when the executor exits):
      // reap background processes the task left behind. Best effort: termination never rejects.
      try {
        signalGroup(pid, 'SIGKILL');
      } catch (err) {
        this.logger.warn('could not reap process group', { containerId, pid, err });
      }
      const oomKilled = oom.killed || (cgroup !== undefined && spec.resources?.memMb !== undefined && cgroup.oomKills() > 0);
      await cgroup?.destroy().catch((err: unknown) => this.logger.warn('could not remove the container cgroups', { containerId, err }));
      this.running.delete(containerId);
      const result = oomKilled && !kill.requested ? memoryLimitation(code, signal, spec.resources?.memMb) : describeTermination(code, signal, kill.requested);
      this.logger.info('container terminated', { containerId, pid, ...result });
      return result;
    });
    this.running.set(containerId, {
      containerId,
      pid,
      cgroup,
      termination,
      markKilled: () => void (kill.requested = true),
    });
    this.logger.info('container launched', { containerId, pid, isolation: this.isolation });
    return { containerId, pid, termination };
  }
}


// Runs tasks as plain host processes, with Mesos command-executor semantics:
// one process group per container, output to sandbox files, SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TsmesosError, type ErrorCode } from '../domain/errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/log.js';
import pidusage from 'pidusage';
import type { ContainerTermination, ContainerUsage, Containerizer, LaunchSpec, LaunchedContainer, RecoveredContainer } from './types.js';

export interface PosixContainerizerOptions {
  logger?: Logger;
  clock?: Clock;
  /** Environment every task inherits; defaults to the agent's own process environment. */
  baseEnv?: NodeJS.ProcessEnv;
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningContainer {
  readonly containerId: string;
  /** Also the process group id: the task is started in its own session. */
  readonly pid: number;
  readonly termination: Promise<ContainerTermination>;
  /** Makes the termination report killed: true. */
  markKilled(): void;
}

export class PosixContainerizer implements Containerizer {
  readonly name = 'posix';
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly running = new Map<string, RunningContainer>();
  /** Launches in flight, so a kill that races a launch waits for it instead of missing it. */
  private readonly starting = new Map<string, Promise<unknown>>();

  constructor(options: PosixContainerizerOptions = {}) {
    this.logger = (options.logger ?? silentLogger).child('posix-containerizer');
    this.clock = options.clock ?? systemClock;
    this.baseEnv = options.baseEnv ?? process.env;
  }

  supports(spec: LaunchSpec): boolean {
    return spec.container?.type !== 'DOCKER';
  }

  launch(spec: LaunchSpec): Promise<LaunchedContainer> {
    const id = spec.containerId;
    if (this.running.has(id) || this.starting.has(id)) {
      return Promise.reject(new TsmesosError('CONFLICT', `Container '${id}' is already running`));
    }
    const launching = this.start(spec);
    this.starting.set(id, launching);
    const forget = (): void => void this.starting.delete(id);
    launching.then(forget, forget);
    return launching;
  }

  async kill(containerId: string, gracePeriodMs: number): Promise<void> {
    await this.starting.get(containerId)?.catch(() => undefined);
    const container = this.running.get(containerId);
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

  /** Host processes do not outlive a restarted agent's bookkeeping yet: nothing to adopt. */
  recover(): Promise<RecoveredContainer[]> {
    return Promise.resolve([]);
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const container = this.running.get(containerId);
    if (!container) return undefined;
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
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        argv0,
        cwd: spec.sandboxDir,
        env: taskEnvironment(this.baseEnv, spec),
        // Own session and process group, so kill() reaches everything the task forks.
        detached: true,
        // The child writes straight into the files: output survives an agent crash.
        stdio: ['ignore', output.stdout.fd, output.stderr.fd],
      });
    } catch (e) {
      await output.close();
      throw launchError(spec, file, e);
    }
    // Listen before any await: a fast task can exit while we are still closing our copies of the fds.
    const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await spawned(child);
    } catch (e) {
      throw launchError(spec, file, e);
    } finally {
      await output.close();
    }
    const pid = child.pid;
    if (pid === undefined) throw new TsmesosError('INTERNAL', `Container '${spec.containerId}' started without a pid`);
    // Late errors (none expected once spawned) must not crash the agent.
    child.on('error', (err) => this.logger.error('container process error', { containerId: spec.containerId, err }));
    return this.track(spec.containerId, pid, exited);
  }

  private track(containerId: string, pid: number, exited: Promise<ExitStatus>): LaunchedContainer {
    const kill = { requested: false };
    const termination = exited.then(({ code, signal }) => {
      this.running.delete(containerId);
      // The container ends with its leader (Mesos destroys the container when the executor exits):
      // reap background processes the task left behind. Best effort: termination never rejects.
      try {
        signalGroup(pid, 'SIGKILL');
      } catch (err) {
        this.logger.warn('could not reap process group', { containerId, pid, err });
      }
      const result = describeTermination(code, signal, kill.requested);
      this.logger.info('container terminated', { containerId, pid, ...result });
      return result;
    });
    this.running.set(containerId, {
      containerId,
      pid,
      termination,
      markKilled: () => void (kill.requested = true),
    });
    this.logger.info('container launched', { containerId, pid });
    return { containerId, pid, termination };
  }
}

function validateSpec(spec: LaunchSpec): void {
  if (spec.containerId === '') throw new TsmesosError('BAD_REQUEST', 'Container id must not be empty');
  if (spec.command.value === '') {
    throw new TsmesosError('BAD_REQUEST', `Container '${spec.containerId}': command value must not be empty`);
  }
}

/** Mesos CommandInfo: shell runs the value through /bin/sh; otherwise value is the binary and arguments[0] its argv0. */
function executable(spec: LaunchSpec): { file: string; args: string[]; argv0: string } {
  const { command } = spec;
  if (command.shell) return { file: '/bin/sh', args: ['-c', command.value], argv0: 'sh' };
  const [argv0 = command.value, ...rest] = command.arguments;
  return { file: command.value, args: rest, argv0 };
}

/** Later sources win: agent environment < agent-injected MESOS_* variables < the task's own environment. */
function taskEnvironment(base: NodeJS.ProcessEnv, spec: LaunchSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  return { ...env, ...spec.env, ...spec.command.environment };
}

interface OutputFiles {
  stdout: FileHandle;
  stderr: FileHandle;
  close(): Promise<void>;
}

async function openOutputFiles(spec: LaunchSpec): Promise<OutputFiles> {
  const openAppend = async (name: string): Promise<FileHandle> => {
    try {
      return await open(path.join(spec.sandboxDir, name), 'a');
    } catch (e) {
      const code = errnoCode(e);
      throw new TsmesosError(
        code === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL',
        `Container '${spec.containerId}': cannot open ${name} in sandbox '${spec.sandboxDir}' (${code ?? String(e)})`,
        { cause: e },
      );
    }
  };
  const stdout = await openAppend('stdout');
  const stderr = await openAppend('stderr').catch(async (e: unknown) => {
    await stdout.close();
    throw e;
  });
  return { stdout, stderr, close: async () => void (await Promise.all([stdout.close(), stderr.close()])) };
}

/** Resolves on 'spawn', rejects on an 'error' emitted first (ENOENT, EACCES, EAGAIN, ...). */
function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    const onError = (err: Error): void => {
      child.off('spawn', onSpawn);
      reject(err);
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
}

function launchError(spec: LaunchSpec, file: string, cause: unknown): TsmesosError {
  const code = errnoCode(cause);
  const errorCode: ErrorCode =
    code === 'ENOENT' || code === 'EACCES' || code === 'ENOEXEC' || code?.startsWith('ERR_INVALID_ARG') === true
      ? 'BAD_REQUEST'
      : code === 'EAGAIN' || code === 'EMFILE' || code === 'ENFILE'
        ? 'UNAVAILABLE'
        : 'INTERNAL';
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(cause));
  return new TsmesosError(errorCode, `Failed to launch container '${spec.containerId}': cannot execute '${file}': ${reason}`, {
    cause,
  });
}

function describeTermination(code: number | null, signal: NodeJS.Signals | null, killed: boolean): ContainerTermination {
  const message = signal !== null ? `Command terminated with signal ${signal}` : `Command exited with status ${code ?? 'unknown'}`;
  return { exitCode: signal !== null ? null : code, signal, killed, message };
}

/** Signals the whole process group; a group that is already gone is not an error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'ESRCH' && code !== 'EPERM') throw e;
  }
}

/** True if `promise` settles within `ms`; the timer is cancelled either way. */
function settlesWithin(promise: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(false), Math.max(0, ms));
    const done = (): void => {
      timer.cancel();
      resolve(true);
    };
    promise.then(done, done);
  });
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

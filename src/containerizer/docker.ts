// Runs DOCKER tasks on a Docker Engine through its API (dockerode), as Mesos's docker
// containerizer does: pull when missing (or forced), one container `mesos-<containerId>` with the
// sandbox mounted at /mnt/mesos/sandbox, logs into the sandbox's stdout/stderr, `docker stop` with
// the grace period, removal after exit; labels let a restarted agent find its containers.
import { createWriteStream, type WriteStream } from 'node:fs';
import { launchOnce, settledContainer } from './launch-once.js';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { TsmesosError } from '../domain/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { createOptions, dockerInfo, LABELS } from './docker-create.js';
import type { CommandSpec, ContainerTermination, ContainerUsage, Containerizer, LaunchSpec, LaunchedContainer, RecoveredContainer } from './types.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerContainerizerOptions {
  logger?: Logger;
  /** Engine socket (default /var/run/docker.sock). */
  socketPath?: string;
  /** Marks this agent's containers (label tsmesos.agent) so recover() adopts only its own; default 'tsmesos'. */
  agentLabel?: string;
}

interface RunningDockerContainer {
  readonly containerId: string;
  readonly handle: Docker.Container;
  readonly termination: Promise<ContainerTermination>;
  markKilled(): void;
}

export class DockerContainerizer implements Containerizer {
  readonly name = 'docker';
  readonly socketPath: string;
  private readonly docker: Docker;
  private readonly logger: Logger;
  private readonly agentLabel: string;
  private readonly running = new Map<string, RunningDockerContainer>();
  private readonly starting = new Map<string, Promise<unknown>>();

  constructor(options: DockerContainerizerOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;
    this.docker = new Docker({ socketPath: this.socketPath });
    this.logger = (options.logger ?? silentLogger).child('docker-containerizer');
    this.agentLabel = options.agentLabel ?? 'tsmesos';
  }

  /** Resolves with the engine's version; rejects with a clear error when the engine cannot be reached. */
  async ping(): Promise<string> {
    try {
      const v = await this.docker.version();
      return `${v.Version} (API ${v.ApiVersion})`;
    } catch (e) {
      throw new TsmesosError('UNAVAILABLE', `cannot reach the Docker engine at unix://${this.socketPath}: ${errorText(e)}`, { cause: e });
    }
  }

  supports(spec: LaunchSpec): boolean {
    return spec.container?.type === 'DOCKER' && spec.container.docker !== undefined;
  }

  launch(spec: LaunchSpec): Promise<LaunchedContainer> {
    return launchOnce(spec.containerId, this.running, this.starting, () => this.start(spec));
  }

  /** `docker stop -t <grace>`: SIGTERM, SIGKILL once the grace period (rounded up to whole seconds) is over. */
  async kill(containerId: string, gracePeriodMs: number): Promise<void> {
    const container = await settledContainer(containerId, this.running, this.starting);
    if (!container) return;
    container.markKilled();
    const t = Math.max(0, Math.ceil(gracePeriodMs / 1000));
    this.logger.info('stopping container', { containerId, gracePeriodMs, t });
    try {
      await container.handle.stop({ t });
    } catch (e) {
      if (statusOf(e) !== 304 && statusOf(e) !== 404) this.logger.warn('docker stop failed', { containerId, error: errorText(e) });
    }
    await container.termination;
  }

  containers(): string[] {
    return [...this.running.keys()];
  }

  async destroyAll(gracePeriodMs: number): Promise<void> {
    const ids = new Set([...this.running.keys(), ...this.starting.keys()]);
    await Promise.all([...ids].map((id) => this.kill(id, gracePeriodMs)));
  }

  /** Adopts this agent's containers (label tsmesos.agent): running ones are followed again, exited ones reported and removed. */
  async recover(): Promise<RecoveredContainer[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABELS.agent}=${this.agentLabel}`] } });
    const recovered: RecoveredContainer[] = [];
    for (const c of list) {
      const containerId = c.Labels[LABELS.containerId];
      const sandbox = c.Labels[LABELS.sandbox];
      if (containerId === undefined || sandbox === undefined || this.running.has(containerId)) continue;
      const handle = this.docker.getContainer(c.Id);
      const memMb = Number(c.Labels[LABELS.memMb] ?? NaN);
      // What the previous run wrote stays; lines the engine got after it are appended.
      const logs = await this.followLogs(handle, sandbox, await lastWrite(sandbox)).catch(() => null);
      const running = this.track(containerId, handle, logs, Number.isNaN(memMb) ? undefined : memMb, await kernelOomKills());
      const owner = c.Labels[LABELS.taskId] !== undefined
        ? { agentId: c.Labels[LABELS.agentId] ?? '', frameworkId: c.Labels[LABELS.frameworkId] ?? '', taskId: c.Labels[LABELS.taskId] ?? '' }
        : undefined;
      recovered.push({ containerId, pid: null, termination: running.termination, ...(owner ? { owner } : {}) });
      this.logger.info('recovered container', { containerId, state: c.State });
    }
    return recovered;
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const container = this.running.get(containerId);
    if (!container) return undefined;
    const stats = await container.handle.stats({ stream: false });
    const cpu = stats.cpu_stats;
    const mem = stats.memory_stats;
    const quota = (await container.handle.inspect()).HostConfig;
    const rss = mem.stats?.rss ?? (mem.stats as Record<string, number> | undefined)?.['anon'] ?? mem.usage;
    return {
      timestamp: Date.now() / 1000,
      cpusTimeSecs: cpu.cpu_usage.total_usage / 1e9,
      cpusUserTimeSecs: cpu.cpu_usage.usage_in_usermode / 1e9,
      cpusSystemTimeSecs: cpu.cpu_usage.usage_in_kernelmode / 1e9,
      cpusNrThrottled: cpu.throttling_data.throttled_periods,
      ...(quota.CpuQuota !== undefined && quota.CpuQuota > 0 ? { cpusLimit: quota.CpuQuota / (quota.CpuPeriod ?? 100_000) } : {}),
      memRssBytes: rss,
      ...(quota.Memory !== undefined && quota.Memory > 0 ? { memLimitBytes: quota.Memory } : {}),
    };
  }

  /** docker exec (Mesos runs a docker task's COMMAND health check inside its container); output is discarded. */
  async exec(containerId: string, command: CommandSpec, signal: AbortSignal): Promise<number> {
    const container = this.running.get(containerId);
    if (!container) throw new TsmesosError('NOT_FOUND', `Container '${containerId}' is not running`);
    const [, ...rest] = command.arguments;
    const exec = await container.handle.exec({
      Cmd: command.shell ? ['/bin/sh', '-c', command.value] : [command.value, ...rest],
      Env: Object.entries(command.environment).map(([k, v]) => `${k}=${v}`),
      AttachStdout: true, AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve, reject) => {
      const abort = (): void => {
        stream.destroy();
        reject(new Error('the check was abandoned'));
      };
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
      stream.on('data', () => undefined); // drain: only the exit code matters
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
      stream.once('error', (e: Error) => reject(e));
    });
    const code = (await exec.inspect()).ExitCode;
    if (code === null) throw new Error('the check command did not report an exit code');
    return code;
  }

  private async start(spec: LaunchSpec): Promise<LaunchedContainer> {
    const options = createOptions(spec, this.agentLabel);
    const info = dockerInfo(spec);
    if (info.network === 'BRIDGE') await this.requireBridge(spec);
    await this.ensureImage(spec, info.image, info.forcePullImage);
    let handle: Docker.Container;
    try {
      handle = await this.docker.createContainer(options);
    } catch (e) {
      throw new TsmesosError(statusOf(e) === 409 ? 'CONFLICT' : 'BAD_REQUEST', `Failed to create docker container '${options.name}': ${errorText(e)}`, { cause: e });
    }
    const oomKillsAtStart = await kernelOomKills();
    try {
      await handle.start();
    } catch (e) {
      await handle.remove({ force: true }).catch(() => undefined);
      throw new TsmesosError('BAD_REQUEST', `Failed to start docker container '${options.name}': ${errorText(e)}`, { cause: e });
    }
    const logs = await this.followLogs(handle, spec.sandboxDir, undefined).catch((e: unknown) => {
      this.logger.warn('cannot follow container logs', { containerId: spec.containerId, error: errorText(e) });
      return null;
    });
    const running = this.track(spec.containerId, handle, logs, spec.resources?.memMb, oomKillsAtStart);
    this.logger.info('container launched', { containerId: spec.containerId, image: info.image });
    return { containerId: spec.containerId, pid: null, termination: running.termination };
  }

  /** An engine started with --bridge=none would quietly run a BRIDGE container without network or ports: refuse instead. */
  private async requireBridge(spec: LaunchSpec): Promise<void> {
    try {
      await this.docker.getNetwork('bridge').inspect();
    } catch (e) {
      const reason = statusOf(e) === 404 ? 'the Docker engine has no bridge network (dockerd runs with --bridge=none); use HOST or NONE' : errorText(e);
      throw new TsmesosError('BAD_REQUEST', `Container '${spec.containerId}': network BRIDGE: ${reason}`, { cause: e });
    }
  }

  /** Pulls the image when it is not present, or always with force_pull_image. */
  private async ensureImage(spec: LaunchSpec, image: string, force: boolean): Promise<void> {
    if (!force) {
      try {
        await this.docker.getImage(image).inspect();
        return;
      } catch (e) {
        if (statusOf(e) !== 404) throw new TsmesosError('UNAVAILABLE', `Container '${spec.containerId}': cannot inspect image '${image}': ${errorText(e)}`, { cause: e });
      }
    }
    this.logger.info('pulling image', { image, force });
    try {
      const progress = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(progress, (err: Error | null, events: { error?: string }[]) => {
          const failed = events.find((ev) => ev.error !== undefined);
          if (err) reject(err);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        });
      });
    } catch (e) {
      throw new TsmesosError('BAD_REQUEST', `Failed to pull image '${image}' for container '${spec.containerId}': ${errorText(e)}`, { cause: e });
    }
  }

  /** Streams the container's output into the sandbox's stdout/stderr (appending); resolves when the log stream ends. */
  private async followLogs(handle: Docker.Container, sandbox: string, since: number | undefined): Promise<{ done: Promise<void> }> {
    const stream = (await handle.logs({ follow: true, stdout: true, stderr: true, ...(since !== undefined ? { since } : {}) })) as unknown as Readable;
    const stdout = createWriteStream(path.join(sandbox, 'stdout'), { flags: 'a' });
    const stderr = createWriteStream(path.join(sandbox, 'stderr'), { flags: 'a' });
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const done = new Promise<void>((resolve) => {
      const finish = (): void => {
        stream.removeAllListeners();
        void Promise.all([closeStream(stdout), closeStream(stderr)]).then(() => resolve());
      };
      stream.once('end', finish);
      stream.once('close', finish);
      stream.once('error', finish);
    });
    return { done };
  }

  /**
   * The engine may record an OOM kill (State.OOMKilled) a moment after the exit itself: a
   * memory-limited container that died non-zero is inspected again for up to a second.
   */
  private async exitState(handle: Docker.Container, mayBeOom: boolean, oomKillsAtStart: number | undefined): Promise<{ ExitCode: number; OOMKilled: boolean }> {
    let state = (await handle.inspect()).State;
    for (let i = 0; i < 5 && mayBeOom && !state.OOMKilled && state.ExitCode !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await handle.inspect()).State;
    }
    // The engine loses some OOM events (cgroup v1: the container's cgroup is gone before the event
    // is read). A SIGKILL nobody sent (exit 137) while the kernel's OOM-kill count went up is one.
    if (mayBeOom && !state.OOMKilled && state.ExitCode === 137 && oomKillsAtStart !== undefined) {
      const now = await kernelOomKills();
      if (now !== undefined && now > oomKillsAtStart) return { ExitCode: state.ExitCode, OOMKilled: true };
    }
    return state;
  }

  private track(containerId: string, handle: Docker.Container, logs: { done: Promise<void> } | null, memMb: number | undefined, oomKillsAtStart: number | undefined): RunningDockerContainer {
    const kill = { requested: false };
    const termination = this.awaitExit(containerId, handle, { logsDone: logs?.done ?? null, memMb, oomKillsAtStart }, () => kill.requested);
    const running: RunningDockerContainer = { containerId, handle, termination, markKilled: () => void (kill.requested = true) };
    this.running.set(containerId, running);
    return running;
  }

  private async awaitExit(
    containerId: string,
    handle: Docker.Container,
    { logsDone, memMb, oomKillsAtStart }: { logsDone: Promise<void> | null; memMb: number | undefined; oomKillsAtStart: number | undefined },
    killed: () => boolean,
  ): Promise<ContainerTermination> {
    let result: ContainerTermination;
    try {
      await handle.wait();
      // The log stream ends right after the container; never hang on it.
      if (logsDone) await Promise.race([logsDone, new Promise((r) => setTimeout(r, 5000))]);
      const state = await this.exitState(handle, memMb !== undefined && !killed(), oomKillsAtStart);
      result = describeExit(state.ExitCode, state.OOMKilled, killed(), memMb);
    } catch (e) {
      result = { exitCode: null, signal: null, killed: killed(), message: `Lost the docker container: ${errorText(e)}` };
    }
    this.running.delete(containerId);
    await handle.remove({ force: true, v: true }).catch((e: unknown) => {
      if (statusOf(e) !== 404 && statusOf(e) !== 409) this.logger.warn('cannot remove container', { containerId, error: errorText(e) });
    });
    this.logger.info('container terminated', { containerId, ...result });
    return result;
  }
}

function describeExit(exitCode: number, oomKilled: boolean, killed: boolean, memMb: number | undefined): ContainerTermination {
  if (oomKilled && !killed) {
    const message = `Memory limit exceeded: the container was OOM-killed at its ${memMb ?? '?'} MB limit`;
    return { exitCode, signal: null, killed, message, limitation: { resource: 'mem', message } };
  }
  // The init (PID 1) exits 128+n when the command died of signal n, as a shell reports it.
  const signal = exitCode > 128 && exitCode < 160 ? signalName(exitCode - 128) : null;
  const message = signal !== null ? `Container terminated with signal ${signal} (exit status ${exitCode})` : `Container exited with status ${exitCode}`;
  return { exitCode, signal, killed, message };
}

function signalName(n: number): string | null {
  const names: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM' };
  return names[n] ?? null;
}

/**
 * Where to resume a recovered container's logs: just after the sandbox files were last written
 * (seconds, fractional), or now. File times are coarse (one kernel tick, up to 10 ms behind the
 * write): without that margin the last line written would come again.
 */
async function lastWrite(sandbox: string): Promise<number> {
  const times = await Promise.all(['stdout', 'stderr'].map((f) => stat(path.join(sandbox, f)).then((st) => st.mtimeMs, () => 0)));
  const latest = Math.max(...times);
  return latest > 0 ? (latest + COARSE_FILE_TIME_MS) / 1000 : Date.now() / 1000;
}

const COARSE_FILE_TIME_MS = 10;

/** The kernel's count of OOM kills since boot (/proc/vmstat oom_kill, Linux >= 4.13). */
async function kernelOomKills(): Promise<number | undefined> {
  const vmstat = await readFile('/proc/vmstat', 'utf8').catch(() => '');
  const m = /^oom_kill (\d+)$/m.exec(vmstat);
  return m ? Number(m[1]) : undefined;
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'statusCode' in e && typeof e.statusCode === 'number' ? e.statusCode : undefined;
}

function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'json' in e) {
    const json = (e as { json?: unknown }).json;
    if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string') return json.message;
  }
  return e instanceof Error ? e.message : String(e);
}

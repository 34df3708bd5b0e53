// The contract every containerizer (posix, docker) satisfies; one shared contract test
// suite (test/containerizer/contract.ts) runs against each implementation.

export type { CommandSpec, ContainerSpec, DockerSpec, VolumeSpec } from '../domain/task-spec.js';
import type { CommandSpec, ContainerSpec } from '../domain/task-spec.js';

/** What the task may use: the limits isolation enforces (cgroups, docker) and accounting reports. */
export interface ContainerResources {
  /** cpus resource: CPU shares (1024 per cpu) and, where enforced, a CFS quota of cpus x period. */
  cpus?: number;
  /** mem resource in MB: the memory limit; exceeding it is an OOM kill (REASON_CONTAINER_LIMITATION_MEMORY). */
  memMb?: number;
}

/** Who the container belongs to: labelled on docker containers so a restarted agent can find its own. */
export interface ContainerOwner {
  agentId: string;
  frameworkId: string;
  taskId: string;
}

export interface LaunchSpec {
  containerId: string;
  /** Host sandbox directory; created by the caller before launch. stdout/stderr files go here. */
  sandboxDir: string;
  command: CommandSpec;
  /** Environment the agent injects (MESOS_SANDBOX, MESOS_TASK_ID, ...). */
  env: Readonly<Record<string, string>>;
  /** Limits from the task's resources; unset ones are not limited. */
  resources?: ContainerResources;
  /** TaskInfo.container: a DOCKER container goes to the docker containerizer, anything else to posix. */
  container?: ContainerSpec;
  /**
   * CommandInfo.user. posix: with --switch-user on an agent running as root, the task runs as it
   * (else as frameworkUser); docker: the container's User.
   */
  user?: string;
  /** FrameworkInfo.user: the user a posix task runs as when `user` is unset (--switch-user, as root). Docker ignores it. */
  frameworkUser?: string;
  owner?: ContainerOwner;
}

/** Why the container was ended by its isolation rather than by itself or a kill. */
export interface ContainerLimitation {
  resource: 'mem';
  message: string;
}

export interface ContainerTermination {
  /** Exit code if the process exited, else null. */
  exitCode: number | null;
  /** Signal name if killed by a signal, else null. */
  signal: string | null;
  /** True when the termination followed a kill() request. */
  killed: boolean;
  message: string;
  /** Set when a limit ended the container (the kernel's OOM killer inside the memory limit). */
  limitation?: ContainerLimitation;
}

export interface LaunchedContainer {
  containerId: string;
  pid: number | null;
  /** Resolves once, when the container has terminated. Never rejects. */
  termination: Promise<ContainerTermination>;
}

/** A container found again after an agent restart (docker: by its labels). */
export interface RecoveredContainer extends LaunchedContainer {
  owner?: ContainerOwner;
}

/** Mesos ResourceStatistics, the part we measure. */
export interface ContainerUsage {
  timestamp: number;
  cpusUserTimeSecs?: number;
  cpusSystemTimeSecs?: number;
  /** Total CPU time (user + system) in seconds. */
  cpusTimeSecs: number;
  cpusLimit?: number;
  memRssBytes: number;
  memLimitBytes?: number;
  /** Times the CFS quota throttled the container, where cgroups report it. */
  cpusNrThrottled?: number;
}

export type ContainerizerName = 'posix' | 'docker';

export interface Containerizer {
  readonly name: ContainerizerName;
  /** Whether this containerizer can run the spec (composing containerizer falls through on false). */
  supports(spec: LaunchSpec): boolean;
  /** Starts the container; resolves when the process is running (rejects with a clear error when it cannot start). */
  launch(spec: LaunchSpec): Promise<LaunchedContainer>;
  /** SIGTERM, then SIGKILL after gracePeriodMs. Resolves when the container is gone. Unknown id: resolves. */
  kill(containerId: string, gracePeriodMs: number): Promise<void>;
  /** The host user `spec` would run as when it is not the agent's own (posix --switch-user); absent: always the agent's. */
  taskUser?(spec: LaunchSpec): string | undefined;
  /** Containers this containerizer currently runs. */
  containers(): string[];
  /**
   * After an agent restart: adopts the containers this containerizer left running (docker: found by
   * label) and returns them; a containerizer that cannot adopt anything returns [].
   */
  recover(): Promise<RecoveredContainer[]>;
  /** Resource usage of a running container; undefined for an unknown one. */
  usage(containerId: string): Promise<ContainerUsage | undefined>;
  /**
   * Runs a command inside a running container (health checks of docker tasks: docker exec) and
   * resolves with its exit code; `signal` abandons it. Absent: the containerizer runs tasks on the host.
   */
  exec?(containerId: string, command: CommandSpec, signal: AbortSignal): Promise<number>;
}

/** Resources a launch is limited to, from a task's normalized resource list. */
export function containerResources(resources: readonly { name: string; scalar?: { value: number } }[]): ContainerResources {
  const sum = (name: string): number | undefined => {
    const values = resources.filter((r) => r.name === name && r.scalar !== undefined).map((r) => r.scalar!.value);
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  const cpus = sum('cpus');
  const memMb = sum('mem');
  return { ...(cpus !== undefined ? { cpus } : {}), ...(memMb !== undefined ? { memMb } : {}) };
}

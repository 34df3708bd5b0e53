import type { Resource } from './resources.js';

// Internal models of what a framework asked to run, with Mesos's defaults applied.
// The wire layer (src/wire/task.ts) converts them from and to v1 TaskInfo.

export interface CommandSpec {
  /** Mesos CommandInfo.shell: true runs `/bin/sh -c value`; false execs value with arguments (argv0 included). */
  shell: boolean;
  value: string;
  arguments: readonly string[];
  /** Extra environment for the task, on top of the agent's MESOS_* variables (own properties only). */
  environment: Readonly<Record<string, string>>;
  /** CommandInfo.user: the user the task runs as (unset: the framework's user, as Mesos does). */
  user?: string;
  /** CommandInfo.uris: fetched into the sandbox before the task starts (src/agent/fetcher.ts). */
  uris?: readonly UriSpec[];
}

/** CommandInfo.URI with Mesos's defaults (extract true, executable and cache false). */
export interface UriSpec {
  value: string;
  executable: boolean;
  extract: boolean;
  cache: boolean;
  /** A file name relative to the sandbox (validated: no absolute path, no `..`). */
  outputFile?: string;
}

/** TaskInfo.health_check with Mesos's defaults applied; durations in ms (0 timeout: none). */
export interface HealthCheckSpec {
  type: 'COMMAND' | 'HTTP' | 'TCP';
  delayMs: number;
  intervalMs: number;
  timeoutMs: number;
  consecutiveFailures: number;
  gracePeriodMs: number;
  http?: { scheme: 'http' | 'https'; port: number; path: string };
  tcp?: { port: number };
  command?: CommandSpec;
}

export type DockerNetwork = 'HOST' | 'BRIDGE' | 'NONE' | 'USER';

/** ContainerInfo.DockerInfo, with Mesos's defaults applied (network HOST, no force pull). */
export interface DockerSpec {
  image: string;
  network: DockerNetwork;
  portMappings: readonly { hostPort: number; containerPort: number; protocol: string }[];
  privileged: boolean;
  /** Extra `docker run` options as key/value (`memory-swap`/`-1`); applied where the engine API has them. */
  parameters: readonly { key: string; value: string }[];
  forcePullImage: boolean;
}

/** ContainerInfo.Volume: a host path mounted into the container. */
export interface VolumeSpec {
  containerPath: string;
  hostPath?: string;
  mode: 'RW' | 'RO';
}

/** ContainerInfo: which containerizer runs the task and how. */
export interface ContainerSpec {
  type: 'DOCKER' | 'MESOS';
  docker?: DockerSpec;
  volumes: readonly VolumeSpec[];
  hostname?: string;
}

export interface TaskSpec {
  name: string;
  taskId: string;
  agentId: string;
  /** Normalized resources (src/domain/resources.ts). */
  resources: Resource[];
  command: CommandSpec;
  /** TaskInfo.container; unset: a plain command task (the posix containerizer). */
  container?: ContainerSpec;
  /** SIGTERM-to-SIGKILL grace on kill (KillPolicy.grace_period; Mesos's command executor default 3 s). */
  killGracePeriodMs: number;
  /** TaskInfo.health_check; unset: the task is not health checked. */
  healthCheck?: HealthCheckSpec;
  /** TaskInfo.max_completion_time: the task is killed (TASK_FAILED) if still running after this. */
  maxCompletionTimeMs?: number;
  labels: { key: string; value?: string }[];
}

/** Default kill grace period of the command executor (Mesos: 3 s). */
export const DEFAULT_KILL_GRACE_MS = 3000;

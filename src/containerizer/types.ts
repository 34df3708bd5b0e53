// The contract every containerizer (posix now, docker later) satisfies; one shared
// contract test suite runs against each implementation.

export type { CommandSpec } from '../domain/task-spec.js';
import type { CommandSpec } from '../domain/task-spec.js';

export interface LaunchSpec {
  containerId: string;
  /** Host sandbox directory; created by the caller before launch. stdout/stderr files go here. */
  sandboxDir: string;
  command: CommandSpec;
  /** Environment the agent injects (MESOS_SANDBOX, MESOS_TASK_ID, ...). */
  env: Readonly<Record<string, string>>;
  /** Optional container image (docker containerizer only). */
  image?: string;
}

export interface ContainerTermination {
  /** Exit code if the process exited, else null. */
  exitCode: number | null;
  /** Signal name if killed by a signal, else null. */
  signal: string | null;
  /** True when the termination followed a kill() request. */
  killed: boolean;
  message: string;
}

export interface LaunchedContainer {
  containerId: string;
  pid: number | null;
  /** Resolves once, when the container has terminated. Never rejects. */
  termination: Promise<ContainerTermination>;
}

export interface Containerizer {
  readonly name: 'posix' | 'docker';
  /** Whether this containerizer can run the spec (composing containerizer falls through on false). */
  supports(spec: LaunchSpec): boolean;
  /** Starts the container; resolves when the process is running (rejects with a clear error when it cannot start). */
  launch(spec: LaunchSpec): Promise<LaunchedContainer>;
  /** SIGTERM, then SIGKILL after gracePeriodMs. Resolves when the container is gone. Unknown id: resolves. */
  kill(containerId: string, gracePeriodMs: number): Promise<void>;
  /** Containers this containerizer currently runs. */
  containers(): string[];
}

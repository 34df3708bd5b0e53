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
}

export interface TaskSpec {
  name: string;
  taskId: string;
  agentId: string;
  /** Normalized resources (src/domain/resources.ts). */
  resources: Resource[];
  command: CommandSpec;
  /** SIGTERM-to-SIGKILL grace on kill (KillPolicy.grace_period; Mesos's command executor default 3 s). */
  killGracePeriodMs: number;
  labels: { key: string; value?: string }[];
}

/** Default kill grace period of the command executor (Mesos: 3 s). */
export const DEFAULT_KILL_GRACE_MS = 3000;

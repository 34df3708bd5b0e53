// What the command executor watches while a task runs: its health check (the probe that fits the
// check's type and the task's container) and its max_completion_time.
import type { CommandSpec, ContainerSpec, HealthCheckSpec } from '../domain/task-spec.js';
import type { HttpClient } from '../lib/http-client.js';
import type { HealthProbe } from './health-check.js';
import { commandProbe, httpProbe, tcpProbe } from './health-probes.js';

export interface ProbeContext {
  sandbox: string;
  /** The task's environment (agent environment, MESOS_* variables, the task's own). */
  env: Record<string, string>;
  container?: ContainerSpec;
  /** The host user the task runs as when not the agent's own (--switch-user): COMMAND checks run as it too. */
  user?: string;
  /** Runs a check command inside the task's container (docker exec); undefined: the host runs it. */
  execInContainer?: (command: CommandSpec, signal: AbortSignal) => Promise<number>;
}

/**
 * A docker task on a BRIDGE network listens on its container port; from the host that is the
 * mapped host port (Mesos enters the container's network namespace instead; same endpoint).
 */
function hostPort(port: number, container: ContainerSpec | undefined): number {
  if (container?.docker?.network !== 'BRIDGE') return port;
  return container.docker.portMappings.find((m) => m.containerPort === port)?.hostPort ?? port;
}

export function healthProbe(check: HealthCheckSpec, client: HttpClient, ctx: ProbeContext): HealthProbe {
  switch (check.type) {
    case 'HTTP':
      return httpProbe(client, { ...check.http!, port: hostPort(check.http!.port, ctx.container) });
    case 'TCP':
      return tcpProbe(hostPort(check.tcp!.port, ctx.container));
    case 'COMMAND': {
      const command = check.command!;
      const exec = ctx.execInContainer;
      if (exec === undefined) return commandProbe(command, { cwd: ctx.sandbox, env: ctx.env, ...(ctx.user !== undefined ? { user: ctx.user } : {}) });
      return async (signal) => {
        const code = await exec(command, signal);
        if (code !== 0) throw new Error(`Command exited with status ${code}`);
      };
    }
  }
}

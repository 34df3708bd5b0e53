// v1 TaskInfo <-> the internal TaskSpec. The master validates a framework's TaskInfo
// here (a failure becomes TASK_ERROR), the agent channel carries TaskInfo in both
// directions, so a task survives any number of hops (launch, failover, reregistration)
// with its environment, arguments and kill policy intact.
import { TsmesosError } from '../domain/errors.js';
import { parseResourceList, Resources } from '../domain/resources.js';
import { DEFAULT_KILL_GRACE_MS, type CommandSpec, type ContainerSpec, type TaskSpec } from '../domain/task-spec.js';
import type { CommandInfo, ContainerInfo, KillPolicy, TaskInfo } from './mesos.js';
import { resourceToWire } from './resource.js';
import { healthCheckSpec, healthCheckToWire, maxCompletionTimeMs, uriSpec, uriToWire } from './task-extras.js';

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

/** The longest grace period honoured (Mesos has no limit; timers are chained past 2^31 ms). */
export const MAX_GRACE_MS = 365 * 24 * 3600 * 1000;

/**
 * KillPolicy.grace_period in ms; undefined when not set. One rule for LAUNCH and KILL:
 * negative is invalid, anything longer than a year is a year.
 */
export function gracePeriodMs(policy: KillPolicy | undefined, where: string): number | undefined {
  const ns = policy?.grace_period?.nanoseconds;
  if (ns === undefined) return undefined;
  if (ns < 0) bad(`${where}.grace_period.nanoseconds: must not be negative`);
  return Math.min(ns / 1e6, MAX_GRACE_MS);
}

export function gracePolicy(ms: number): KillPolicy {
  return { grace_period: { nanoseconds: Math.round(ms * 1e6) } };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `imageDefault`: a docker task with shell false may leave value unset to run the image's own command (Mesos). */
function commandSpec(c: CommandInfo, where: string, imageDefault: boolean): CommandSpec {
  const shell = c.shell ?? true;
  const value = c.value ?? '';
  if (value.length === 0 && (shell || !imageDefault)) {
    bad(shell ? `${where}.value: required when shell is true` : `${where}.value: the executable to run is required`);
  }
  if (value.includes('\u0000') || c.arguments.some((a) => a.includes('\u0000'))) bad(`${where}: NUL bytes are not allowed in commands`);
  const uris = c.uris.map((u, i) => uriSpec(u, `${where}.uris[${i}]`));
  const pairs: [string, string][] = [];
  (c.environment?.variables ?? []).forEach((v, i) => {
    if (!ENV_NAME.test(v.name)) bad(`${where}.environment.variables[${i}].name: invalid variable name`);
    if (v.type === 'SECRET') bad(`${where}.environment.variables[${i}]: secrets are not supported yet`);
    if ((v.value ?? '').includes('\u0000')) bad(`${where}.environment.variables[${i}].value: NUL bytes are not allowed`);
    pairs.push([v.name, v.value ?? '']);
  });
  // Object.fromEntries defines own properties, so a variable named `__proto__` is just a variable.
  return {
    shell, value, arguments: [...c.arguments], environment: Object.fromEntries(pairs), uris,
    ...(c.user !== undefined && c.user !== '' ? { user: c.user } : {}),
  };
}

/** Mesos's ContainerInfo validation, plus what this cluster cannot do yet (said, never ignored). */
function containerSpec(c: ContainerInfo, where: string): ContainerSpec {
  const volumes = c.volumes.map((v, i) => {
    const at = `${where}.volumes[${i}]`;
    if (!v.container_path.startsWith('/')) bad(`${at}.container_path: must be an absolute path`);
    if (v.host_path === undefined || v.host_path === '') bad(`${at}.host_path: only host-path volumes are supported`);
    if (!v.host_path!.startsWith('/')) bad(`${at}.host_path: must be an absolute path`);
    return { containerPath: v.container_path, hostPath: v.host_path!, mode: v.mode ?? 'RW' } as const;
  });
  const hostname = c.hostname !== undefined && c.hostname !== '' ? { hostname: c.hostname } : {};
  if (c.type === 'MESOS') {
    if (volumes.length > 0) bad(`${where}.volumes: volumes need a DOCKER container on this cluster`);
    return { type: 'MESOS', volumes: [], ...hostname };
  }
  const d = c.docker ?? bad(`${where}.docker: DockerInfo 'docker' is not set for DOCKER typed ContainerInfo`);
  if (d.image.trim() === '') bad(`${where}.docker.image: must not be empty`);
  const network = d.network ?? 'HOST';
  if (network === 'USER') bad(`${where}.docker.network: USER networks are not supported yet; use HOST, BRIDGE or NONE`);
  if (d.port_mappings.length > 0 && network !== 'BRIDGE') {
    bad(`${where}.docker.port_mappings: port mappings are only supported for bridge and user-defined networks`);
  }
  return {
    type: 'DOCKER',
    docker: {
      image: d.image,
      network,
      portMappings: d.port_mappings.map((p) => ({ hostPort: p.host_port, containerPort: p.container_port, protocol: p.protocol ?? 'tcp' })),
      privileged: d.privileged ?? false,
      parameters: d.parameters.map((p) => ({ key: p.key, value: p.value })),
      forcePullImage: d.force_pull_image ?? false,
    },
    volumes,
    ...hostname,
  };
}

function containerToWire(c: ContainerSpec): ContainerInfo {
  return {
    type: c.type,
    volumes: c.volumes.map((v) => ({ mode: v.mode, container_path: v.containerPath, ...(v.hostPath !== undefined ? { host_path: v.hostPath } : {}) })),
    ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
    ...(c.docker
      ? {
          docker: {
            image: c.docker.image,
            network: c.docker.network,
            port_mappings: c.docker.portMappings.map((p) => ({ host_port: p.hostPort, container_port: p.containerPort, protocol: p.protocol })),
            privileged: c.docker.privileged,
            parameters: c.docker.parameters.map((p) => ({ ...p })),
            force_pull_image: c.docker.forcePullImage,
          },
        }
      : {}),
  };
}

/** Semantic validation of a decoded TaskInfo (Mesos: failures are TASK_ERROR, REASON_TASK_INVALID). */
export function taskSpecFromWire(t: TaskInfo, where: string): TaskSpec {
  if (t.executor !== undefined && t.command !== undefined) bad(`${where}: exactly one of 'executor' or 'command' must be set`);
  if (t.executor !== undefined) bad(`${where}.executor: custom executors are not supported yet; use 'command'`);
  if (t.command === undefined) bad(`${where}: exactly one of 'executor' or 'command' must be set`);
  const container = t.container !== undefined ? containerSpec(t.container, `${where}.container`) : undefined;
  const resources = parseResourceList(t.resources, `${where}.resources`);
  if (Resources.of(resources).isEmpty()) bad(`${where}.resources: a task must use some resources`);
  const command = commandSpec(t.command!, `${where}.command`, container?.type === 'DOCKER');
  // Mesos ignores a health check command's own uris; so do we (they are never fetched).
  const healthCheck = t.health_check !== undefined
    ? healthCheckSpec(t.health_check, `${where}.health_check`, (c, at) => commandSpec({ ...c, uris: [] }, at, false))
    : undefined;
  const maxCompletion = maxCompletionTimeMs(t.max_completion_time, `${where}.max_completion_time`);
  return {
    name: t.name,
    taskId: t.task_id.value,
    agentId: t.agent_id.value,
    resources,
    command,
    ...(container !== undefined ? { container } : {}),
    killGracePeriodMs: gracePeriodMs(t.kill_policy, `${where}.kill_policy`) ?? DEFAULT_KILL_GRACE_MS,
    ...(healthCheck !== undefined ? { healthCheck } : {}),
    ...(maxCompletion !== undefined ? { maxCompletionTimeMs: maxCompletion } : {}),
    labels: t.labels?.labels.map((l) => (l.value === undefined ? { key: l.key } : { key: l.key, value: l.value })) ?? [],
  };
}

export function taskSpecToWire(s: TaskSpec): TaskInfo {
  return {
    name: s.name,
    task_id: { value: s.taskId },
    agent_id: { value: s.agentId },
    resources: s.resources.map((r) => resourceToWire(r, 'endpoint')),
    command: commandToWire(s.command),
    ...(s.container !== undefined ? { container: containerToWire(s.container) } : {}),
    kill_policy: gracePolicy(s.killGracePeriodMs),
    ...(s.healthCheck !== undefined ? { health_check: healthCheckToWire(s.healthCheck, commandToWire) } : {}),
    ...(s.maxCompletionTimeMs !== undefined ? { max_completion_time: { nanoseconds: Math.round(s.maxCompletionTimeMs * 1e6) } } : {}),
    labels: { labels: s.labels },
  };
}

function commandToWire(c: CommandSpec): CommandInfo {
  return {
    uris: (c.uris ?? []).map(uriToWire),
    shell: c.shell,
    ...(c.value !== '' ? { value: c.value } : {}),
    arguments: [...c.arguments],
    environment: { variables: Object.entries(c.environment).map(([name, value]) => ({ name, value })) },
    ...(c.user !== undefined ? { user: c.user } : {}),
  };
}

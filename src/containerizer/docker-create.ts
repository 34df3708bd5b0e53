// LaunchSpec -> Docker Engine "create container" body, following the Mesos docker containerizer
// (src/docker/docker.cpp, Docker::RunOptions::create): pure, so it is tested without an engine.
import type Docker from 'dockerode';
import { TsmesosError } from '../domain/errors.js';
import type { DockerSpec, LaunchSpec } from './types.js';

/** Mesos names containers `mesos-<containerId>` (DOCKER_NAME_PREFIX). */
export const DOCKER_NAME_PREFIX = 'mesos-';
/** Mesos --sandbox_directory: where the host sandbox is mounted inside the container. */
export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';

/** Labels that let a restarted agent find (and only find) its own containers. */
export const LABELS = {
  agent: 'tsmesos.agent',
  containerId: 'tsmesos.container_id',
  sandbox: 'tsmesos.sandbox',
  memMb: 'tsmesos.mem_mb',
  agentId: 'tsmesos.agent_id',
  frameworkId: 'tsmesos.framework_id',
  taskId: 'tsmesos.task_id',
} as const;

export const CFS_PERIOD_US = 100_000;
/** Docker refuses memory limits below 6 MB. */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const bad = (spec: LaunchSpec, message: string): never => {
  throw new TsmesosError('BAD_REQUEST', `Container '${spec.containerId}': ${message}`);
};

export function dockerInfo(spec: LaunchSpec): DockerSpec {
  const docker = spec.container?.type === 'DOCKER' ? spec.container.docker : undefined;
  return docker ?? bad(spec, 'not a DOCKER container');
}

/**
 * Mesos command semantics: shell=true replaces the image's entrypoint with /bin/sh and runs
 * `-c value`; shell=false keeps the image's entrypoint and passes value (if set) and then every
 * argument as the command (unlike the posix containerizer, arguments[0] is not an argv0 here).
 */
export function dockerCommand(spec: LaunchSpec): { Entrypoint?: string[]; Cmd?: string[] } {
  const { command } = spec;
  if (command.shell) {
    if (command.value === '') bad(spec, 'shell specified but no command value provided');
    return { Entrypoint: ['/bin/sh'], Cmd: ['-c', command.value] };
  }
  const cmd = [...(command.value !== '' ? [command.value] : []), ...command.arguments];
  return cmd.length > 0 ? { Cmd: cmd } : {};
}

/** Agent-injected variables (MESOS_SANDBOX pointing inside the container) < the task's own. */
export function dockerEnvironment(spec: LaunchSpec): string[] {
  const env: Record<string, string> = { ...spec.env };
  if ('MESOS_SANDBOX' in env) env['MESOS_SANDBOX'] = CONTAINER_SANDBOX;
  env['MESOS_CONTAINER_NAME'] = DOCKER_NAME_PREFIX + spec.containerId;
  Object.assign(env, spec.command.environment);
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function memoryLimitBytes(memMb: number | undefined): number | undefined {
  return memMb === undefined ? undefined : Math.max(MIN_MEMORY_BYTES, Math.round(memMb * 1024 * 1024));
}

/** The create body; `agentLabel` marks this agent's containers. */
export function createOptions(spec: LaunchSpec, agentLabel: string): Docker.ContainerCreateOptions {
  if (spec.containerId === '') bad(spec, 'container id must not be empty');
  const info = dockerInfo(spec);
  const container = spec.container!;
  const network = info.network === 'HOST' ? 'host' : info.network === 'NONE' ? 'none' : info.network === 'BRIDGE' ? 'bridge' : bad(spec, `network ${info.network} is not supported`);
  const cpus = spec.resources?.cpus;
  const memory = memoryLimitBytes(spec.resources?.memMb);
  const labels: Record<string, string> = {
    [LABELS.agent]: agentLabel,
    [LABELS.containerId]: spec.containerId,
    [LABELS.sandbox]: spec.sandboxDir,
    ...(spec.resources?.memMb !== undefined ? { [LABELS.memMb]: String(spec.resources.memMb) } : {}),
    ...(spec.owner ? { [LABELS.agentId]: spec.owner.agentId, [LABELS.frameworkId]: spec.owner.frameworkId, [LABELS.taskId]: spec.owner.taskId } : {}),
  };
  const hostConfig: Docker.HostConfig = {
    Binds: [
      `${spec.sandboxDir}:${CONTAINER_SANDBOX}:rw`,
      ...container.volumes.map((v) => `${v.hostPath ?? bad(spec, `volume ${v.containerPath} has no host_path`)}:${v.containerPath}:${v.mode === 'RO' ? 'ro' : 'rw'}`),
    ],
    NetworkMode: network,
    Privileged: info.privileged,
    // An init as PID 1 forwards SIGTERM to the command (a shell as PID 1 would ignore it) and reaps zombies.
    Init: true,
    ...(cpus !== undefined ? { CpuShares: Math.max(2, Math.round(cpus * 1024)), CpuPeriod: CFS_PERIOD_US, CpuQuota: Math.max(1000, Math.round(cpus * CFS_PERIOD_US)) } : {}),
    // No swap beyond the limit: going over it is an OOM kill, as with Mesos's cgroups/mem.
    ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
  };
  const exposed: Record<string, object> = {};
  if (info.portMappings.length > 0) {
    const bindings: Record<string, { HostPort: string }[]> = {};
    for (const p of info.portMappings) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostPort: String(p.hostPort) });
    }
    hostConfig.PortBindings = bindings;
  }
  const options: Docker.ContainerCreateOptions = {
    name: DOCKER_NAME_PREFIX + spec.containerId,
    Image: info.image,
    ...dockerCommand(spec),
    Env: dockerEnvironment(spec),
    WorkingDir: CONTAINER_SANDBOX,
    Labels: labels,
    ...(spec.user !== undefined ? { User: spec.user } : {}),
    // Docker refuses a hostname with --network host; Mesos sets it only for other networks too.
    ...(container.hostname !== undefined && network !== 'host' ? { Hostname: container.hostname } : {}),
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    HostConfig: hostConfig,
  };
  for (const p of info.parameters) applyParameter(spec, options, p.key, p.value);
  return options;
}

/**
 * DockerInfo.parameters are `docker run` options; Mesos hands them to the CLI verbatim. We speak the
 * Engine API, so each supported option is mapped to its field; any other is refused by name.
 */
function applyParameter(spec: LaunchSpec, o: Docker.ContainerCreateOptions, rawKey: string, value: string): void {
  const key = rawKey.replace(/^--?/, '');
  const host = (o.HostConfig ??= {});
  switch (key) {
    case 'env':
    case 'e':
      (o.Env ??= []).push(value);
      return;
    case 'label':
    case 'l': {
      const eq = value.indexOf('=');
      (o.Labels ??= {})[eq < 0 ? value : value.slice(0, eq)] = eq < 0 ? '' : value.slice(eq + 1);
      return;
    }
    case 'user':
    case 'u':
      o.User = value;
      return;
    case 'workdir':
    case 'w':
      o.WorkingDir = value;
      return;
    case 'entrypoint':
      o.Entrypoint = value === '' ? [] : [value];
      return;
    case 'cap-add':
      host.CapAdd = [...listOf(host.CapAdd), value];
      return;
    case 'cap-drop':
      host.CapDrop = [...listOf(host.CapDrop), value];
      return;
    case 'add-host':
      host.ExtraHosts = [...listOf(host.ExtraHosts), value];
      return;
    case 'read-only':
      host.ReadonlyRootfs = value !== 'false';
      return;
    case 'memory-swap':
      host.MemorySwap = value === '-1' ? -1 : parseBytes(spec, key, value);
      return;
    case 'shm-size':
      host.ShmSize = parseBytes(spec, key, value);
      return;
    case 'pids-limit':
      host.PidsLimit = integer(spec, key, value);
      return;
    case 'stop-signal':
      o.StopSignal = value;
      return;
    case 'ulimit': {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value) ?? bad(spec, `docker parameter --ulimit '${value}': expected name=soft[:hard]`);
      (host.Ulimits ??= []).push({ Name: m[1]!, Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) });
      return;
    }
    default:
      bad(spec, `docker parameter '--${key}' is not supported (supported: env, label, user, workdir, entrypoint, cap-add, cap-drop, add-host, read-only, memory-swap, shm-size, pids-limit, stop-signal, ulimit)`);
  }
}

/** dockerode types some list fields as `any`. */
function listOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function integer(spec: LaunchSpec, key: string, value: string): number {
  return /^-?\d+$/.test(value) ? Number(value) : bad(spec, `docker parameter --${key} '${value}': expected an integer`);
}

function parseBytes(spec: LaunchSpec, key: string, value: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(value) ?? bad(spec, `docker parameter --${key} '${value}': expected bytes such as 64m`);
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

// v1 TaskInfo <-> the internal TaskSpec. The master validates a framework's TaskInfo
// here (a failure becomes TASK_ERROR), the agent channel carries TaskInfo in both
// directions, so a task survives any number of hops (launch, failover, reregistration)
// with its environment, arguments and kill policy intact.
import { TsmesosError } from '../domain/errors.js';
import { parseResourceList, Resources } from '../domain/resources.js';
import { DEFAULT_KILL_GRACE_MS, type CommandSpec, type TaskSpec } from '../domain/task-spec.js';
import type { CommandInfo, KillPolicy, Resource, TaskInfo } from './mesos.js';

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

function commandSpec(c: CommandInfo, where: string): CommandSpec {
  const shell = c.shell ?? true;
  const value = c.value ?? '';
  if (value.length === 0) bad(shell ? `${where}.value: required when shell is true` : `${where}.value: the executable to run is required`);
  if (value.includes('\u0000') || c.arguments.some((a) => a.includes('\u0000'))) bad(`${where}: NUL bytes are not allowed in commands`);
  if (c.uris.length > 0) bad(`${where}.uris: fetching URIs is not supported yet`);
  const pairs: [string, string][] = [];
  (c.environment?.variables ?? []).forEach((v, i) => {
    if (!ENV_NAME.test(v.name)) bad(`${where}.environment.variables[${i}].name: invalid variable name`);
    if (v.type === 'SECRET') bad(`${where}.environment.variables[${i}]: secrets are not supported yet`);
    if ((v.value ?? '').includes('\u0000')) bad(`${where}.environment.variables[${i}].value: NUL bytes are not allowed`);
    pairs.push([v.name, v.value ?? '']);
  });
  // Object.fromEntries defines own properties, so a variable named `__proto__` is just a variable.
  return { shell, value, arguments: [...c.arguments], environment: Object.fromEntries(pairs) };
}

/** Semantic validation of a decoded TaskInfo (Mesos: failures are TASK_ERROR, REASON_TASK_INVALID). */
export function taskSpecFromWire(t: TaskInfo, where: string): TaskSpec {
  if (t.executor !== undefined && t.command !== undefined) bad(`${where}: exactly one of 'executor' or 'command' must be set`);
  if (t.executor !== undefined) bad(`${where}.executor: custom executors are not supported yet; use 'command'`);
  if (t.command === undefined) bad(`${where}: exactly one of 'executor' or 'command' must be set`);
  if (t.container?.type === 'DOCKER') bad(`${where}.container: the docker containerizer is not available on this cluster yet`);
  const resources = parseResourceList(t.resources.map(reservationRole), `${where}.resources`);
  if (Resources.of(resources).isEmpty()) bad(`${where}.resources: a task must use some resources`);
  const command = commandSpec(t.command!, `${where}.command`);
  return {
    name: t.name,
    taskId: t.task_id.value,
    agentId: t.agent_id.value,
    resources,
    command,
    killGracePeriodMs: gracePeriodMs(t.kill_policy, `${where}.kill_policy`) ?? DEFAULT_KILL_GRACE_MS,
    labels: t.labels?.labels.map((l) => (l.value === undefined ? { key: l.key } : { key: l.key, value: l.value })) ?? [],
  };
}

/**
 * The role a resource is reserved to, in either Mesos format: `reservations` (frameworks with
 * RESERVATION_REFINEMENT; the last one is the innermost) or the older `role` field.
 */
export function reservationRole(r: Resource): Resource {
  const inner = r.reservations.at(-1)?.role;
  return inner !== undefined ? { ...r, role: inner } : r;
}

export function taskSpecToWire(s: TaskSpec): TaskInfo {
  return {
    name: s.name,
    task_id: { value: s.taskId },
    agent_id: { value: s.agentId },
    resources: s.resources.map((r) => ({ ...r, reservations: [] })),
    command: {
      uris: [],
      shell: s.command.shell,
      value: s.command.value,
      arguments: [...s.command.arguments],
      environment: { variables: Object.entries(s.command.environment).map(([name, value]) => ({ name, value })) },
    },
    kill_policy: gracePolicy(s.killGracePeriodMs),
    labels: { labels: s.labels },
  };
}

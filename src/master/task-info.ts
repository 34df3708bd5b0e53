import { TsmesosError } from '../domain/errors.js';
import { parseResourceList, Resources } from '../domain/resources.js';
import type { CommandInfo, TaskInfo } from '../domain/mesos.js';
import { idValue, isObject, obj, optArr, optBool, optNum, optStr, str } from '../api/validate.js'; // eslint-disable-line @typescript-eslint/no-restricted-imports -- wire layer rewrite removes this

/** Default kill grace period of the command executor (Mesos: 3 s). */
export const DEFAULT_KILL_GRACE_MS = 3000;

/** The part of a TaskInfo needed to report on it at all; failing here is a 400 for the whole call. */
export function parseTaskIdentity(v: unknown, where: string): { taskId: string } {
  const o = obj(v, where);
  return { taskId: idValue(o['task_id'], `${where}.task_id`) };
}

/**
 * Full TaskInfo validation. Failing here becomes TASK_ERROR (REASON_TASK_INVALID)
 * for that task, as in Mesos, not a rejected call.
 */
export function parseTaskInfo(v: unknown, where: string): TaskInfo {
  const o = obj(v, where);
  const name = str(o['name'], `${where}.name`, 1024);
  const taskId = idValue(o['task_id'], `${where}.task_id`);
  const agentId = idValue(o['agent_id'], `${where}.agent_id`);
  const resources = parseResourceList(o['resources'] ?? [], `${where}.resources`);
  if (o['executor'] !== undefined && o['command'] !== undefined) throw new TsmesosError('BAD_REQUEST', `${where}: exactly one of 'executor' or 'command' must be set`);
  if (o['executor'] !== undefined) throw new TsmesosError('BAD_REQUEST', `${where}.executor: custom executors are not supported yet; use 'command'`);
  if (o['command'] === undefined) throw new TsmesosError('BAD_REQUEST', `${where}: exactly one of 'executor' or 'command' must be set`);
  if (isObject(o['container']) && o['container']['type'] === 'DOCKER') {
    throw new TsmesosError('BAD_REQUEST', `${where}.container: the docker containerizer is not available on this cluster yet`);
  }
  const command = parseCommand(o['command'], `${where}.command`);
  let graceMs = DEFAULT_KILL_GRACE_MS;
  if (isObject(o['kill_policy']) && isObject(o['kill_policy']['grace_period'])) {
    const ns = optNum(o['kill_policy']['grace_period']['nanoseconds'], `${where}.kill_policy.grace_period.nanoseconds`);
    if (ns !== undefined) {
      if (ns < 0) throw new TsmesosError('BAD_REQUEST', `${where}.kill_policy.grace_period: must not be negative`);
      graceMs = Math.min(ns / 1e6, 24 * 3600 * 1000);
    }
  }
  if (Resources.of(resources).isEmpty()) throw new TsmesosError('BAD_REQUEST', `${where}.resources: a task must use some resources`);
  return { name, task_id: { value: taskId }, agent_id: { value: agentId }, resources, command, kill_grace_period_ms: graceMs };
}

function parseCommand(v: unknown, where: string): CommandInfo {
  const o = obj(v, where);
  const shell = optBool(o['shell'], `${where}.shell`) ?? true;
  const value = optStr(o['value'], `${where}.value`, 256 * 1024) ?? '';
  const args = optArr(o['arguments'], `${where}.arguments`, 4096).map((a, i) => str(a, `${where}.arguments[${i}]`, 64 * 1024));
  if (shell && value.length === 0) throw new TsmesosError('BAD_REQUEST', `${where}.value: required when shell is true`);
  if (!shell && value.length === 0) throw new TsmesosError('BAD_REQUEST', `${where}.value: the executable to run is required`);
  if (value.includes('\u0000') || args.some((a) => a.includes('\u0000'))) throw new TsmesosError('BAD_REQUEST', `${where}: NUL bytes are not allowed in commands`);
  const environment: Record<string, string> = {};
  if (isObject(o['environment'])) {
    optArr(o['environment']['variables'], `${where}.environment.variables`, 4096).forEach((e, i) => {
      const eo = obj(e, `${where}.environment.variables[${i}]`);
      const name = str(eo['name'], `${where}.environment.variables[${i}].name`, 1024);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TsmesosError('BAD_REQUEST', `${where}.environment.variables[${i}].name: invalid variable name`);
      environment[name] = optStr(eo['value'], `${where}.environment.variables[${i}].value`, 64 * 1024) ?? '';
    });
  }
  return { shell, value, arguments: args, environment };
}

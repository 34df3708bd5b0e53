import { TsmesosError } from '../domain/errors.js';
import type { FrameworkInfo } from '../domain/mesos.js';
import { arr, idValue, isObject, obj, optArr, optBool, optNum, optStr, str } from '../api/validate.js'; // eslint-disable-line @typescript-eslint/no-restricted-imports -- wire layer rewrite removes this

const CAPABILITIES = new Set([
  'REVOCABLE_RESOURCES', 'TASK_KILLING_STATE', 'GPU_RESOURCES', 'SHARED_RESOURCES', 'PARTITION_AWARE',
  'MULTI_ROLE', 'RESERVATION_REFINEMENT', 'REGION_AWARE',
]);
const ROLE = /^(\*|[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*)$/;

/**
 * Validates a SUBSCRIBE FrameworkInfo. Mesos answers an invalid one with 200 and
 * a single ERROR event, so this throws a TsmesosError whose message becomes that event.
 */
export function parseFrameworkInfo(v: unknown): FrameworkInfo {
  const o = obj(v, 'framework_info');
  const name = str(o['name'], 'framework_info.name', 1024);
  const user = optStr(o['user'], 'framework_info.user', 256) ?? '';
  const capabilities = optArr(o['capabilities'], 'framework_info.capabilities', 32).map((c, i) => {
    const type = str(obj(c, `framework_info.capabilities[${i}]`)['type'], `framework_info.capabilities[${i}].type`, 64);
    if (!CAPABILITIES.has(type)) throw new TsmesosError('BAD_REQUEST', `framework_info.capabilities[${i}].type: unknown capability '${type}'`);
    return { type };
  });
  const multiRole = capabilities.some((c) => c.type === 'MULTI_ROLE');
  const role = optStr(o['role'], 'framework_info.role', 256);
  const roles = o['roles'] === undefined ? undefined : arr(o['roles'], 'framework_info.roles', 128).map((r, i) => str(r, `framework_info.roles[${i}]`, 256));
  if (multiRole && role !== undefined) throw new TsmesosError('BAD_REQUEST', "'framework_info.role' must not be set with MULTI_ROLE; use 'roles'");
  if (!multiRole && roles !== undefined && roles.length > 0) throw new TsmesosError('BAD_REQUEST', "'framework_info.roles' requires the MULTI_ROLE capability");
  for (const r of [...(roles ?? []), ...(role !== undefined ? [role] : [])]) {
    if (!ROLE.test(r) || r === '.' || r === '..') throw new TsmesosError('BAD_REQUEST', `invalid role '${r.slice(0, 64)}'`);
  }
  if (roles && new Set(roles).size !== roles.length) throw new TsmesosError('BAD_REQUEST', 'framework_info.roles: duplicate roles');
  const failover = optNum(o['failover_timeout'], 'framework_info.failover_timeout');
  if (failover !== undefined && failover < 0) throw new TsmesosError('BAD_REQUEST', 'framework_info.failover_timeout: must be >= 0');
  const info: FrameworkInfo = { user, name, capabilities };
  if (o['id'] !== undefined) info.id = { value: idValue(o['id'], 'framework_info.id') };
  if (failover !== undefined) info.failover_timeout = failover;
  const checkpoint = optBool(o['checkpoint'], 'framework_info.checkpoint');
  if (checkpoint !== undefined) info.checkpoint = checkpoint;
  if (multiRole) info.roles = roles ?? [];
  else info.role = role ?? '*';
  for (const k of ['hostname', 'principal', 'webui_url'] as const) {
    const s = optStr(o[k], `framework_info.${k}`, 1024);
    if (s !== undefined) info[k] = s;
  }
  if (isObject(o['labels'])) {
    const labels = optArr(o['labels']['labels'], 'framework_info.labels.labels', 256).map((l, i) => {
      const lo = obj(l, `framework_info.labels.labels[${i}]`);
      const key = str(lo['key'], `framework_info.labels.labels[${i}].key`, 1024);
      const value = optStr(lo['value'], `framework_info.labels.labels[${i}].value`, 4096);
      return value === undefined ? { key } : { key, value };
    });
    info.labels = { labels };
  }
  return info;
}

export function frameworkRoles(info: FrameworkInfo): string[] {
  const multi = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
  return multi ? [...(info.roles ?? [])] : [info.role ?? '*'];
}

export function isPartitionAware(info: FrameworkInfo): boolean {
  return (info.capabilities ?? []).some((c) => c.type === 'PARTITION_AWARE');
}


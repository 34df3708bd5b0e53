// The cgroup filesystems: detecting v1 or v2, where this process sits in them, and the small
// text formats of their files. Pure parsing here is tested without a kernel.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type CgroupsVersion = 'v1' | 'v2';

/**
 * Where container cgroups are created. v1: one directory per controller hierarchy (cpu, cpuacct,
 * memory; the same directory twice when controllers share a mount). v2: one unified directory.
 */
export interface CgroupsLayout {
  version: CgroupsVersion;
  /** v1: hierarchy mount point per controller; v2: all three are the unified mount. */
  mounts: { cpu: string; cpuacct: string; memory: string };
  /** This process's own cgroup path per controller (relative to the mount), read at detection. */
  own: { cpu: string; cpuacct: string; memory: string };
}

export type Detected = { ok: true; layout: CgroupsLayout } | { ok: false; reason: string };

/** Detects the cgroup version in use for cpu and memory (v2 first, then v1), from `sysRoot` and /proc/self/cgroup. */
export function detectCgroups(sysRoot = '/sys/fs/cgroup', procSelfCgroup = '/proc/self/cgroup'): Detected {
  let membership: Map<string, string>;
  try {
    membership = parseProcCgroup(readFileSync(procSelfCgroup, 'utf8'));
  } catch (e) {
    return { ok: false, reason: `cannot read ${procSelfCgroup}: ${e instanceof Error ? e.message : String(e)}` };
  }
  for (const unified of [sysRoot, path.join(sysRoot, 'unified')]) {
    const controllers = readWords(path.join(unified, 'cgroup.controllers'));
    if (controllers.includes('cpu') && controllers.includes('memory')) {
      const own = membership.get('') ?? '/';
      return { ok: true, layout: { version: 'v2', mounts: { cpu: unified, cpuacct: unified, memory: unified }, own: { cpu: own, cpuacct: own, memory: own } } };
    }
  }
  const v1 = (controller: string): string | undefined => {
    const dir = path.join(sysRoot, controller);
    return existsSync(path.join(dir, 'cgroup.procs')) ? dir : undefined;
  };
  const cpu = v1('cpu');
  const cpuacct = v1('cpuacct');
  const memory = v1('memory');
  if (cpu !== undefined && cpuacct !== undefined && memory !== undefined) {
    const own = (c: string): string => membership.get(c) ?? '/';
    return { ok: true, layout: { version: 'v1', mounts: { cpu, cpuacct, memory }, own: { cpu: own('cpu'), cpuacct: own('cpuacct'), memory: own('memory') } } };
  }
  return { ok: false, reason: `no cgroup v2 with cpu and memory controllers and no v1 cpu, cpuacct and memory hierarchies under ${sysRoot}` };
}

/**
 * /proc/<pid>/cgroup: `hierarchy-id:controller,list:/path` per line (v2: `0::/path`). Returns
 * controller -> path, with '' for the v2 unified hierarchy.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[1]!;
    if (controllers === '') out.set('', m[2]!);
    for (const c of controllers.split(',')) if (c !== '') out.set(c, m[2]!);
  }
  return out;
}

/** Flat keyed files (memory.stat, cpu.stat, memory.events, memory.oom_control, cpuacct.stat): `key value` per line. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && value !== undefined && /^-?\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** cgroup v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), the conversion runc and systemd use. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((Math.min(262_144, Math.max(2, Math.round(shares))) - 2) * 9999) / 262_142);
}

export function readWords(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split(/\s+/).filter((w) => w.length > 0);
  } catch {
    return [];
  }
}

// cgroups isolation for the posix containerizer (Mesos cgroups/cpu, cgroups/mem), v1 or v2:
// one cgroup per container under `<agent's own cgroup>/<root>/<containerId>` (v2: a sibling of the
// agent's cgroup, as the no-internal-processes rule wants), CPU shares + CFS quota from cpus, a
// memory limit from mem, OOM kills counted by the kernel, accounting read back from the cgroup.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TsmesosError } from '../domain/errors.js';
import { parseFlatKeyed, readWords, sharesToWeight, type CgroupsLayout } from './cgroups-fs.js';
import type { ContainerResources, ContainerUsage } from './types.js';

export const CFS_PERIOD_US = 100_000;
const USER_HZ = 100;

export interface CgroupsIsolation {
  /** cgroups/cpu: shares and CFS quota. */
  cpu: boolean;
  /** cgroups/mem: memory limit and OOM reporting. */
  mem: boolean;
}

/** Creates, limits, reads and removes container cgroups. */
export class CgroupsIsolator {
  /** Base directory per controller, e.g. /sys/fs/cgroup/memory/<own>/tsmesos. */
  private readonly base: { cpu: string; cpuacct: string; memory: string };

  constructor(
    readonly layout: CgroupsLayout,
    readonly isolation: CgroupsIsolation,
    readonly rootName = 'tsmesos',
  ) {
    const under = (mount: string, own: string): string =>
      layout.version === 'v1' ? path.join(mount, own, rootName) : path.join(mount, path.dirname(own === '/' ? '/x' : own), rootName);
    this.base = { cpu: under(layout.mounts.cpu, layout.own.cpu), cpuacct: under(layout.mounts.cpuacct, layout.own.cpuacct), memory: under(layout.mounts.memory, layout.own.memory) };
  }

  /** Creates the base cgroups (v2: with cpu and memory enabled for children); throws when they cannot be written. */
  prepareRoot(): void {
    try {
      for (const dir of this.baseDirs()) mkdirSync(dir, { recursive: true });
      if (this.layout.version === 'v2') {
        const base = this.base.cpu;
        const wanted = [...(this.isolation.cpu ? ['cpu'] : []), ...(this.isolation.mem ? ['memory'] : [])];
        const parent = path.dirname(base);
        const enabledAbove = readWords(path.join(parent, 'cgroup.subtree_control'));
        const missing = wanted.filter((c) => !enabledAbove.includes(c));
        if (missing.length > 0) writeFileSync(path.join(parent, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
        if (wanted.length > 0) writeFileSync(path.join(base, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
      }
    } catch (e) {
      throw new TsmesosError('UNAVAILABLE', `cgroups isolation: cannot set up ${this.baseDirs().join(', ')}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  /** Creates the container's cgroups. */
  create(containerId: string): ContainerCgroup {
    const dirs = this.dirsOf(containerId);
    for (const dir of new Set(Object.values(dirs))) mkdirSync(dir, { recursive: true });
    return new ContainerCgroup(this.layout, this.isolation, dirs, this.ownProcsFiles());
  }

  /** The cgroups of a container an earlier agent created (recovery), with the limits it wrote. */
  attach(containerId: string, resources: ContainerResources): ContainerCgroup {
    const cgroup = new ContainerCgroup(this.layout, this.isolation, this.dirsOf(containerId), this.ownProcsFiles());
    cgroup.recordLimits(resources);
    return cgroup;
  }

  /** Container cgroups left under the root (an agent that died without cleaning up). */
  leftovers(): string[] {
    const names = new Set<string>();
    for (const dir of this.baseDirs()) {
      try {
        for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) names.add(entry.name);
      } catch {
        // no base yet: nothing left over
      }
    }
    return [...names];
  }

  /** Kills what is left in a container's cgroups and removes them. */
  async destroy(containerId: string): Promise<void> {
    await new ContainerCgroup(this.layout, this.isolation, this.dirsOf(containerId), this.ownProcsFiles()).destroy();
  }

  /** Removes every container cgroup and the base directories themselves (tests, pass or fail). */
  async removeRoot(): Promise<void> {
    for (const id of this.leftovers()) await this.destroy(id);
    for (const dir of this.baseDirs()) {
      try {
        rmdirSync(dir);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
      }
    }
  }

  baseDirs(): string[] {
    return [...new Set([this.base.cpu, this.base.cpuacct, this.base.memory])];
  }

  private dirsOf(containerId: string): { cpu: string; cpuacct: string; memory: string } {
    if (containerId === '' || containerId.includes('/') || containerId === '.' || containerId === '..') {
      throw new TsmesosError('BAD_REQUEST', `Container id '${containerId}' cannot name a cgroup`);
    }
    return { cpu: path.join(this.base.cpu, containerId), cpuacct: path.join(this.base.cpuacct, containerId), memory: path.join(this.base.memory, containerId) };
  }

  /** The cgroup.procs files of this process's own cgroups, to move back into after a spawn. */
  private ownProcsFiles(): string[] {
    const { mounts, own } = this.layout;
    return [...new Set([path.join(mounts.cpu, own.cpu, 'cgroup.procs'), path.join(mounts.cpuacct, own.cpuacct, 'cgroup.procs'), path.join(mounts.memory, own.memory, 'cgroup.procs')])];
  }
}

/** One container's cgroups. */
export class ContainerCgroup {
  private limits: ContainerResources = {};

  constructor(
    private readonly layout: CgroupsLayout,
    private readonly isolation: CgroupsIsolation,
    private readonly dirs: { cpu: string; cpuacct: string; memory: string },
    private readonly ownProcs: string[],
  ) {}

  /**
   * Runs `spawn` (which must fork synchronously, as child_process.spawn does) with this process
   * inside the container's cgroups, so the child and everything it ever forks starts there; then
   * moves this process back. No await may happen in between.
   */
  spawnInside<T>(spawn: () => T): T {
    const self = String(process.pid);
    try {
      for (const dir of this.uniqueDirs()) writeFileSync(path.join(dir, 'cgroup.procs'), self);
      return spawn();
    } finally {
      for (const file of this.ownProcs) writeFileSync(file, self);
    }
  }

  /**
   * The cgroup.procs files a process writes its pid to to join this container (the posix shim
   * joins by itself, before its gate: moving a process between cgroups costs the writer
   * milliseconds of kernel synchronization, which then never block the agent's event loop).
   */
  procsFiles(): string[] {
    return this.uniqueDirs().map((dir) => path.join(dir, 'cgroup.procs'));
  }

  /** Remembers limits written by an earlier agent (for usage()), without writing them again. */
  recordLimits(resources: ContainerResources): void {
    this.limits = resources;
  }

  /** Writes the limits; posix calls it after the fork (the agent is never inside limits) while the task waits at its pre-exec gate. */
  applyLimits(resources: ContainerResources): void {
    this.limits = resources;
    const v1 = this.layout.version === 'v1';
    const { cpus, memMb } = resources;
    if (this.isolation.cpu && cpus !== undefined) {
      const shares = Math.max(2, Math.round(cpus * 1024));
      const quota = Math.max(1000, Math.round(cpus * CFS_PERIOD_US));
      if (v1) {
        write(this.dirs.cpu, 'cpu.shares', String(shares));
        write(this.dirs.cpu, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
        write(this.dirs.cpu, 'cpu.cfs_quota_us', String(quota));
      } else {
        write(this.dirs.cpu, 'cpu.weight', String(sharesToWeight(shares)));
        write(this.dirs.cpu, 'cpu.max', `${quota} ${CFS_PERIOD_US}`);
      }
    }
    if (this.isolation.mem && memMb !== undefined) {
      const bytes = String(Math.round(memMb * 1024 * 1024));
      if (v1) {
        write(this.dirs.memory, 'memory.limit_in_bytes', bytes);
        // No swap beyond the limit (the file exists only with swap accounting).
        if (existsSync(path.join(this.dirs.memory, 'memory.memsw.limit_in_bytes'))) write(this.dirs.memory, 'memory.memsw.limit_in_bytes', bytes);
      } else {
        write(this.dirs.memory, 'memory.max', bytes);
        if (existsSync(path.join(this.dirs.memory, 'memory.swap.max'))) write(this.dirs.memory, 'memory.swap.max', '0');
      }
    }
  }

  /** OOM kills the kernel made inside this container's memory limit. */
  oomKills(): number {
    if (!this.isolation.mem) return 0;
    const file = this.layout.version === 'v1' ? 'memory.oom_control' : 'memory.events';
    return parseFlatKeyed(readOr(path.join(this.dirs.memory, file), '')).get('oom_kill') ?? 0;
  }

  usage(): ContainerUsage {
    const v1 = this.layout.version === 'v1';
    const cpuStat = parseFlatKeyed(readOr(path.join(this.dirs.cpu, 'cpu.stat'), ''));
    const memStat = parseFlatKeyed(readOr(path.join(this.dirs.memory, 'memory.stat'), ''));
    let cpuTimes: { total: number; user: number; system: number };
    if (v1) {
      const acct = parseFlatKeyed(readOr(path.join(this.dirs.cpuacct, 'cpuacct.stat'), ''));
      cpuTimes = {
        total: Number(readOr(path.join(this.dirs.cpuacct, 'cpuacct.usage'), '0').trim()) / 1e9,
        user: (acct.get('user') ?? 0) / USER_HZ,
        system: (acct.get('system') ?? 0) / USER_HZ,
      };
    } else {
      cpuTimes = { total: (cpuStat.get('usage_usec') ?? 0) / 1e6, user: (cpuStat.get('user_usec') ?? 0) / 1e6, system: (cpuStat.get('system_usec') ?? 0) / 1e6 };
    }
    const { cpus, memMb } = this.limits;
    return {
      timestamp: Date.now() / 1000,
      cpusTimeSecs: cpuTimes.total,
      cpusUserTimeSecs: cpuTimes.user,
      cpusSystemTimeSecs: cpuTimes.system,
      ...(cpuStat.has('nr_throttled') ? { cpusNrThrottled: cpuStat.get('nr_throttled')! } : {}),
      ...(this.isolation.cpu && cpus !== undefined ? { cpusLimit: cpus } : {}),
      memRssBytes: (v1 ? memStat.get('total_rss') ?? memStat.get('rss') : memStat.get('anon')) ?? 0,
      ...(this.isolation.mem && memMb !== undefined ? { memLimitBytes: Math.round(memMb * 1024 * 1024) } : {}),
    };
  }

  /** SIGKILLs every process still inside (escaped process groups included) and removes the cgroups. */
  async destroy(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = this.pids();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const dir of this.uniqueDirs()) {
      for (let attempt = 0; ; attempt++) {
        try {
          rmdirSync(dir);
          break;
        } catch (e) {
          const code = errnoCode(e);
          if (code === 'ENOENT') break;
          // EBUSY while the kernel is still reaping the last process.
          if (code !== 'EBUSY' || attempt >= 50) throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }

  private pids(): number[] {
    const all = new Set<number>();
    for (const dir of this.uniqueDirs()) for (const w of readWords(path.join(dir, 'cgroup.procs'))) all.add(Number(w));
    all.delete(process.pid);
    return [...all];
  }

  private uniqueDirs(): string[] {
    return [...new Set([this.dirs.cpu, this.dirs.cpuacct, this.dirs.memory])];
  }
}

function write(dir: string, file: string, value: string): void {
  writeFileSync(path.join(dir, file), value);
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

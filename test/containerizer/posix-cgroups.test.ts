// The posix containerizer with cgroups isolation (cgroups/cpu,cgroups/mem) on this host's real
// cgroups (v1 or v2, whichever is mounted). Every cgroup a test creates is removed, pass or fail.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { detectCgroups, parseProcCgroup } from '../../src/containerizer/cgroups-fs.js';
import { CgroupsIsolator } from '../../src/containerizer/cgroups.js';
import { PosixContainerizer } from '../../src/containerizer/posix.js';
import type { LaunchSpec } from '../../src/containerizer/types.js';
import { runContainerizerContract, waitFor } from './contract.js';

const ROOT = `tsmesos-test-${process.pid}`;

/** Fails (never skips) when the host has no writable cgroups: scripts/test-all.sh runs as root on a cgroup host. */
function requireIsolator(): CgroupsIsolator {
  const detected = detectCgroups();
  if (!detected.ok) throw new Error(`cgroups tests need cgroups: ${detected.reason}`);
  const isolator = new CgroupsIsolator(detected.layout, { cpu: true, mem: true }, ROOT);
  isolator.prepareRoot();
  return isolator;
}

let isolator: CgroupsIsolator;
beforeAll(() => {
  isolator = requireIsolator();
});
afterAll(async () => {
  await isolator.removeRoot();
  for (const dir of isolator.baseDirs()) expect(existsSync(dir), `${dir} removed`).toBe(false);
});

runContainerizerContract('posix with cgroups isolation', () => new PosixContainerizer({ cgroups: isolator }), { enforcesLimits: true });

describe('cgroups isolation specifics', () => {
  let containerizer: PosixContainerizer;
  let sandbox: string;
  let nextId = 0;

  beforeEach(async () => {
    containerizer = new PosixContainerizer({ cgroups: isolator });
    sandbox = await mkdtemp(path.join(tmpdir(), 'tsmesos-cgroups-'));
  });
  afterEach(async () => {
    await containerizer.destroyAll(0);
    await rm(sandbox, { recursive: true, force: true });
  });

  const spec = (value: string, extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
    containerId: `cg-${nextId++}`, sandboxDir: sandbox,
    command: { shell: true, value, arguments: [], environment: {} }, env: {}, resources: { cpus: 0.5, memMb: 64 }, ...extra,
  });

  it('describes itself as cgroups/cpu,cgroups/mem', () => {
    expect(containerizer.isolation).toBe('cgroups/cpu,cgroups/mem');
    expect(new PosixContainerizer().isolation).toBe('posix/cpu,posix/mem');
  });

  it('starts the task inside its cgroups, leaves the agent where it was, and removes the cgroups at the end', async () => {
    const before = await readFile('/proc/self/cgroup', 'utf8');
    const s = spec('sleep 30');
    const launched = await containerizer.launch(s);
    const membership = parseProcCgroup(await readFile(`/proc/${launched.pid}/cgroup`, 'utf8'));
    const memoryPath = membership.get('memory') ?? membership.get('');
    expect(memoryPath?.endsWith(`/${ROOT}/${s.containerId}`)).toBe(true);
    expect(await readFile('/proc/self/cgroup', 'utf8')).toBe(before);
    expect(isolator.leftovers()).toContain(s.containerId);
    await containerizer.kill(s.containerId, 0);
    await launched.termination;
    expect(isolator.leftovers()).not.toContain(s.containerId);
  });

  it('kills a process that left the process group (setsid) when the container ends', async () => {
    const s = spec('setsid sh -c "while :; do echo tick >> escaped; sleep 0.05; done" & sleep 0.3; exit 0');
    const done = await (await containerizer.launch(s)).termination;
    expect(done.exitCode).toBe(0);
    const file = path.join(sandbox, 'escaped');
    await waitFor(() => Promise.resolve(existsSync(file)));
    const size = (await readFile(file)).length;
    await new Promise((r) => setTimeout(r, 300));
    expect((await readFile(file)).length).toBe(size);
  });

  it('destroys the container when a child is OOM-killed even if the task survives it (Mesos memory isolator)', async () => {
    const s = spec('dd if=/dev/zero of=/dev/null bs=256M count=1; echo survived; sleep 30', { resources: { cpus: 1, memMb: 32 } });
    const started = Date.now();
    const done = await (await containerizer.launch(s)).termination;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(done).toMatchObject({ killed: false, limitation: { resource: 'mem' } });
  });

  it('the task starts with its limits in force, however late the agent writes them (the pre-exec gate)', async () => {
    // Writing the limits takes 0.5 s here: a task spawned before them would read no limit.
    const slow = Object.create(isolator) as CgroupsIsolator;
    slow.create = (id: string) => {
      const cgroup = isolator.create(id);
      const apply = cgroup.applyLimits.bind(cgroup);
      cgroup.applyLimits = (r) => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
        apply(r);
      };
      return cgroup;
    };
    const c = new PosixContainerizer({ cgroups: slow });
    const { layout } = isolator;
    const s = spec('', { resources: { cpus: 0.5, memMb: 64 } });
    const dir = path.join(layout.mounts.memory, layout.version === 'v1' ? layout.own.memory : path.dirname(layout.own.memory), ROOT, s.containerId);
    const file = path.join(dir, layout.version === 'v1' ? 'memory.limit_in_bytes' : 'memory.max');
    // The task's first act: read its own limit (exec: nothing runs before it).
    const done = await (await c.launch({ ...s, command: { shell: false, value: '/bin/cat', arguments: ['cat', file], environment: {} } })).termination;
    expect(done.exitCode).toBe(0);
    expect((await readFile(path.join(sandbox, 'stdout'), 'utf8')).trim()).toBe(String(64 * 1024 * 1024));
  });

  it('a gated task keeps its argv0, and a missing binary still fails the launch naming it', async () => {
    const s = spec('', { command: { shell: false, value: '/bin/sh', arguments: ['my-argv0', '-c', 'tr "\\000" " " < /proc/$$/cmdline; [ -e /proc/$$/fd/3 ] && echo fd3-open || echo fd3-closed'], environment: {} } });
    const done = await (await containerizer.launch(s)).termination;
    expect(done.exitCode).toBe(0);
    // argv0 as given, and the gate's pipe (fd 3) is not inherited by the task (checked by the shell itself: a
    // pipeline's own pipe would take fd 3 in the shell while `ls` looks).
    expect(await readFile(path.join(sandbox, 'stdout'), 'utf8')).toBe('my-argv0 -c tr "\\000" " " < /proc/$$/cmdline; [ -e /proc/$$/fd/3 ] && echo fd3-open || echo fd3-closed fd3-closed\n');
    await expect(containerizer.launch(spec('', { command: { shell: false, value: 'tsmesos-no-such-binary', arguments: [], environment: {} } }))).rejects.toThrow(/tsmesos-no-such-binary/);
  });

  it('recover() removes cgroups (and kills processes) a dead agent left behind', async () => {
    const orphan = isolator.create('left-behind');
    const child = orphan.spawnInside(() => spawn('sleep', ['30'], { detached: true, stdio: 'ignore' }));
    const exited = new Promise((r) => child.once('exit', r));
    expect(isolator.leftovers()).toContain('left-behind');
    expect(await containerizer.recover()).toEqual([]);
    await exited;
    expect(isolator.leftovers()).not.toContain('left-behind');
  });
});

// A v1 host also mounts a controller-less v2 hierarchy at /sys/fs/cgroup/unified: the v2 code path
// (sibling base, cgroup.procs moves, cpu.stat accounting, removal) runs there without limits. On a
// v2-only host the suites above already run v2.
const UNIFIED = '/sys/fs/cgroup/unified';
if (existsSync(path.join(UNIFIED, 'cgroup.procs')) && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
  describe('cgroup v2 mechanics on the unified hierarchy (no controllers there: accounting, no limits)', () => {
    let v2: CgroupsIsolator;
    let sandbox: string;
    beforeAll(async () => {
      const own = parseProcCgroup(await readFile('/proc/self/cgroup', 'utf8')).get('') ?? '/';
      v2 = new CgroupsIsolator({ version: 'v2', mounts: { cpu: UNIFIED, cpuacct: UNIFIED, memory: UNIFIED }, own: { cpu: own, cpuacct: own, memory: own } }, { cpu: false, mem: false }, `${ROOT}-v2`);
      v2.prepareRoot();
      sandbox = await mkdtemp(path.join(tmpdir(), 'tsmesos-cgroups-v2-'));
    });
    afterAll(async () => {
      await v2.removeRoot();
      await rm(sandbox, { recursive: true, force: true });
      for (const dir of v2.baseDirs()) expect(existsSync(dir)).toBe(false);
    });

    it('starts the task in its v2 cgroup, accounts its CPU from cpu.stat, and removes the cgroup', async () => {
      const containerizer = new PosixContainerizer({ cgroups: v2 });
      const launched = await containerizer.launch({
        containerId: 'v2-busy', sandboxDir: sandbox, command: { shell: true, value: 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 30', arguments: [], environment: {} }, env: {},
      });
      expect(parseProcCgroup(await readFile(`/proc/${launched.pid}/cgroup`, 'utf8')).get('')).toMatch(new RegExp(`/${ROOT}-v2/v2-busy$`));
      await waitFor(async () => ((await containerizer.usage('v2-busy'))?.cpusTimeSecs ?? 0) > 0.05, 10_000);
      await containerizer.kill('v2-busy', 0);
      await launched.termination;
      expect(v2.leftovers()).toEqual([]);
    });
  });
}

// Posix task adoption: a stand-in agent process (fixtures/posix-launcher.ts) launches tasks and is
// killed -9; a new containerizer on the same state dir recovers them. Real processes, real
// /proc, real cgroups (v1 or v2, whichever is mounted). Whatever a failing test leaves is killed
// at the end of the file (test/helpers/container-cleanup.ts reads the same checkpoints).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { posixContainersDir } from '../../src/agent/paths.js';
import { detectCgroups } from '../../src/containerizer/cgroups-fs.js';
import { CgroupsIsolator } from '../../src/containerizer/cgroups.js';
import { cgroupRootName } from '../../src/containerizer/isolation.js';
import { PosixContainerizer } from '../../src/containerizer/posix.js';
import { parseStartTime, processStartTime, readBootId, type PosixCheckpoint } from '../../src/containerizer/posix-recovery.js';
import { decodeWaitStatus } from '../../src/containerizer/posix-shim.js';
import type { ContainerResources, LaunchSpec, RecoveredContainer } from '../../src/containerizer/types.js';
import { REPO, run, stopAtEnd, tempDir, waitFor } from '../helpers/process.js';

const FIXTURE = path.join(REPO, 'test', 'containerizer', 'fixtures', 'posix-launcher.ts');

interface Setup {
  workDir: string;
  stateDir: string;
  sandbox: string;
  cgroupRoot: string | undefined;
}

function setup(withCgroups: boolean): Setup {
  const workDir = path.join(tempDir(), 'agent');
  const sandbox = path.join(workDir, 'sandbox');
  mkdirSync(sandbox, { recursive: true });
  return { workDir, stateDir: posixContainersDir(workDir), sandbox, cgroupRoot: withCgroups ? cgroupRootName(workDir) : undefined };
}

function isolatorOf(s: Setup): CgroupsIsolator | undefined {
  if (s.cgroupRoot === undefined) return undefined;
  const detected = detectCgroups();
  if (!detected.ok) throw new Error(`cgroups tests need cgroups: ${detected.reason}`);
  return new CgroupsIsolator(detected.layout, { cpu: true, mem: true }, s.cgroupRoot);
}

let nextId = 0;
const task = (s: Setup, value: string, resources?: ContainerResources): LaunchSpec => ({
  containerId: `adopt-${process.pid}-${nextId++}`,
  sandboxDir: s.sandbox,
  command: { shell: true, value, arguments: [], environment: {} },
  env: {},
  ...(resources ? { resources } : {}),
});

/** Launches `specs` in a separate agent-like process, then kills that process with SIGKILL. */
async function launchThenKillAgent(s: Setup, specs: LaunchSpec[]): Promise<Map<string, number>> {
  const agent = run(['--import', 'tsx', FIXTURE, s.stateDir, s.cgroupRoot ?? '-', JSON.stringify(specs)], { cmd: process.execPath });
  const line = await waitFor('the stand-in agent to launch its tasks', () => /launched (.*)\n/.exec(agent.output())?.[1], 30_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${agent.output()}`);
  });
  agent.kill('SIGKILL');
  await agent.exited;
  return new Map((JSON.parse(line) as { containerId: string; pid: number }[]).map((l) => [l.containerId, l.pid]));
}

function recoverer(s: Setup, extra: { bootId?: string } = {}): PosixContainerizer {
  const cgroups = isolatorOf(s);
  const c = new PosixContainerizer({ stateDir: s.stateDir, adoptedPollMs: 50, ...(cgroups ? { cgroups } : {}), ...extra });
  stopAtEnd(async () => {
    await c.destroyAll(0);
    await cgroups?.removeRoot();
  });
  return c;
}

const alive = (pid: number): boolean => processStartTime(pid) !== undefined;
const byId = (list: RecoveredContainer[], id: string): RecoveredContainer => {
  const found = list.find((c) => c.containerId === id);
  if (!found) throw new Error(`container ${id} was not recovered (got ${list.map((c) => c.containerId).join(', ')})`);
  return found;
};
const readOut = (s: Setup): string => (existsSync(path.join(s.sandbox, 'stdout')) ? readFileSync(path.join(s.sandbox, 'stdout'), 'utf8') : '');

describe.each([
  { isolation: 'posix', withCgroups: false },
  { isolation: 'cgroups', withCgroups: true },
])('posix containers survive a kill -9 of the agent ($isolation isolation)', ({ withCgroups }) => {
  it('adopts running tasks, which keep running; their exit, and kills (grace, then SIGKILL of the group), are observed', async () => {
    const s = setup(withCgroups);
    const resources = withCgroups ? { cpus: 0.2, memMb: 64 } : undefined;
    const polite = task(s, 'exec sleep 300', resources);
    const stubborn = task(s, "trap '' TERM; sleep 300 & echo stubborn-ready; while :; do sleep 0.05; done", resources);
    const exitsLater = task(s, 'while [ ! -e go ]; do sleep 0.05; done; echo leaving; exit 3', resources);
    const pids = await launchThenKillAgent(s, [polite, stubborn, exitsLater]);
    await waitFor('the stubborn task ready', () => (readOut(s).includes('stubborn-ready') ? true : undefined));
    for (const pid of pids.values()) expect(alive(pid), 'tasks outlive the agent').toBe(true);

    const containerizer = recoverer(s);
    const recovered = await containerizer.recover();
    expect(recovered.map((c) => c.containerId).sort()).toEqual([polite, stubborn, exitsLater].map((t) => t.containerId).sort());
    for (const c of recovered) expect(c.pid).toBe(pids.get(c.containerId));
    expect(containerizer.containers().sort()).toEqual(recovered.map((c) => c.containerId).sort());
    for (const pid of pids.values()) expect(alive(pid), 'adoption does not disturb the tasks').toBe(true);

    if (withCgroups) {
      // The cgroups stay (recover() removes only those no container owns) and account the task.
      const isolator = isolatorOf(s)!;
      expect(isolator.leftovers().sort()).toEqual(recovered.map((c) => c.containerId).sort());
      const usage = await containerizer.usage(polite.containerId);
      expect(usage).toMatchObject({ memLimitBytes: 64 * 1024 * 1024, cpusLimit: 0.2 });
    } else {
      expect((await containerizer.usage(polite.containerId))?.memRssBytes).toBeGreaterThan(0);
    }

    // An exit after the restart is seen, with its status, though the task is not the new agent's child.
    writeFileSync(path.join(s.sandbox, 'go'), '');
    expect(await byId(recovered, exitsLater.containerId).termination).toMatchObject({ exitCode: 3, signal: null, killed: false, message: 'Command exited with status 3' });

    await containerizer.kill(polite.containerId, 10_000);
    expect(await byId(recovered, polite.containerId).termination).toMatchObject({ exitCode: null, signal: 'SIGTERM', killed: true });

    const stubbornPid = pids.get(stubborn.containerId)!;
    const group = (): number[] => listGroup(stubbornPid);
    expect(group().length).toBeGreaterThanOrEqual(2); // the shell and its background sleep
    await containerizer.kill(stubborn.containerId, 200);
    expect(await byId(recovered, stubborn.containerId).termination).toMatchObject({ exitCode: null, signal: 'SIGKILL', killed: true });
    await waitFor('the whole process group gone', () => (group().length === 0 ? true : undefined));

    expect(containerizer.containers()).toEqual([]);
    await waitFor('state dirs removed', () => (readdirOr(s.stateDir).length === 0 ? true : undefined));
    if (withCgroups) expect(isolatorOf(s)!.leftovers()).toEqual([]);
  });

  it('reports tasks that ended while the agent was down, with their exit code or signal', async () => {
    const s = setup(withCgroups);
    const finishes = task(s, 'while [ ! -e done ]; do sleep 0.05; done; exit 0');
    const fails = task(s, 'while [ ! -e done ]; do sleep 0.05; done; exit 7');
    const killed = task(s, 'exec sleep 300');
    const pids = await launchThenKillAgent(s, [finishes, fails, killed]);
    writeFileSync(path.join(s.sandbox, 'done'), '');
    process.kill(pids.get(killed.containerId)!, 'SIGKILL');
    // Their supervisors record the exits with nobody listening.
    for (const t of [finishes, fails, killed]) {
      await waitFor('the exit recorded', () => (existsSync(path.join(s.stateDir, t.containerId, 'exit')) ? true : undefined));
    }
    await waitFor('the tasks gone', () => ([...pids.values()].every((p) => !alive(p)) ? true : undefined));

    const recovered = await recoverer(s).recover();
    expect(await byId(recovered, finishes.containerId).termination).toMatchObject({ exitCode: 0, signal: null, killed: false });
    expect(await byId(recovered, fails.containerId).termination).toMatchObject({ exitCode: 7, signal: null, killed: false });
    expect(await byId(recovered, killed.containerId).termination).toMatchObject({ exitCode: null, signal: 'SIGKILL', killed: false });
    await waitFor('state dirs removed', () => (readdirOr(s.stateDir).length === 0 ? true : undefined));
  });
});

describe('what is not adopted', () => {
  it('a checkpointed pid now held by another process (pid reuse) is neither adopted as running nor signalled', async () => {
    const s = setup(false);
    const t = task(s, 'exec sleep 300');
    const pids = await launchThenKillAgent(s, [t]);
    const file = path.join(s.stateDir, t.containerId, 'container.json');
    const cp = JSON.parse(readFileSync(file, 'utf8')) as PosixCheckpoint;
    // The real task and supervisor go away; an unrelated process group leader takes "their" pid.
    process.kill(-pids.get(t.containerId)!, 'SIGKILL');
    await waitFor('the supervisor gone', () => (alive(cp.shimPid) ? undefined : true));
    const decoy = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    stopAtEnd(() => Promise.resolve(void decoy.kill('SIGKILL')));
    const decoyPid = decoy.pid!;
    writeFileSync(file, JSON.stringify({ ...cp, shimPid: decoyPid, taskPid: decoyPid }));
    precondition(existsSync(path.join(s.stateDir, t.containerId, 'exit')));
    // The exit file says SIGKILL: the recovered container reports that; the decoy is untouched.
    const containerizer = recoverer(s);
    const [recovered] = await containerizer.recover();
    expect(await recovered!.termination).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    await containerizer.kill(t.containerId, 0);
    expect(alive(decoyPid), 'the unrelated process lives').toBe(true);
  });

  it('a supervisor that vanished without recording an exit gives a termination that says so', async () => {
    const s = setup(false);
    const t = task(s, 'exec sleep 300');
    const pids = await launchThenKillAgent(s, [t]);
    const cp = JSON.parse(readFileSync(path.join(s.stateDir, t.containerId, 'container.json'), 'utf8')) as PosixCheckpoint;
    process.kill(cp.shimPid, 'SIGKILL');
    await waitFor('the supervisor gone', () => (alive(cp.shimPid) ? undefined : true));
    process.kill(-pids.get(t.containerId)!, 'SIGKILL');
    const [recovered] = await recoverer(s).recover();
    expect(await recovered!.termination).toMatchObject({ exitCode: null, signal: null, message: "the task's supervisor ended without recording the task's exit" });
  });

  it('containers checkpointed in another boot are forgotten, not adopted', async () => {
    const s = setup(false);
    const t = task(s, 'exec sleep 300');
    const pids = await launchThenKillAgent(s, [t]);
    const containerizer = recoverer(s, { bootId: `not-${readBootId()}` });
    expect(await containerizer.recover()).toEqual([]);
    expect(readdirOr(s.stateDir)).toEqual([]);
    expect(containerizer.containers()).toEqual([]);
    process.kill(-pids.get(t.containerId)!, 'SIGKILL');
  });
});

describe('the pieces', () => {
  it('reads the start time from /proc/<pid>/stat whatever the command name holds, and not for zombies', () => {
    const rest = (state: string): string => `${state} 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21`;
    expect(parseStartTime(`123 (a) b) (c) ${rest('S')}`)).toBe('424242');
    expect(parseStartTime(`123 (sleep) ${rest('R')}`)).toBe('424242');
    expect(parseStartTime(`123 (sleep) ${rest('Z')}`)).toBeUndefined();
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(2 ** 22 + 1)).toBeUndefined();
  });

  it('decodes wait statuses: exit codes and signals', () => {
    expect(decodeWaitStatus(0)).toEqual({ code: 0, signal: null });
    expect(decodeWaitStatus(3 << 8)).toEqual({ code: 3, signal: null });
    expect(decodeWaitStatus(137 << 8)).toEqual({ code: 137, signal: null });
    expect(decodeWaitStatus(9)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(decodeWaitStatus(15 | 0x80)).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

function precondition(condition: boolean): void {
  if (!condition) throw new Error('precondition failed');
}

function readdirOr(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Pids whose process group is `pgid`. */
function listGroup(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[2]) === pgid && fields[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

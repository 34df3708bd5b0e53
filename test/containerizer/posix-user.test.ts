// Mesos --switch_user on the posix containerizer: an agent running as root runs each task as its
// CommandInfo.user, else its FrameworkInfo.user, after chowning the sandbox to that user; an
// unknown user fails the launch with a clear message. Runs as root (as the test suite does), with
// the Debian user `nobody` (uid 65534); every process, cgroup and directory is removed, pass or fail.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, statSync, writeFileSync, symlinkSync, mkdirSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTsmesosError } from '../../src/domain/errors.js';
import { detectCgroups, parseProcCgroup } from '../../src/containerizer/cgroups-fs.js';
import { CgroupsIsolator } from '../../src/containerizer/cgroups.js';
import { createOptions } from '../../src/containerizer/docker-create.js';
import { PosixContainerizer } from '../../src/containerizer/posix.js';
import { canRead, resolveUser } from '../../src/containerizer/task-user.js';
import { commandProbe } from '../../src/agent/health-probes.js';
import type { LaunchSpec } from '../../src/containerizer/types.js';
import { waitFor } from './contract.js';
import { removeTestContainers, requireDocker, TEST_IMAGE } from './docker-helpers.js';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';

const NOBODY = 65534;
const NO_SUCH_USER = 'tsmesos-no-such-user';

beforeAll(() => {
  // These tests are about root switching users: fail (never skip) elsewhere, as the suite runs as root.
  if (process.geteuid?.() !== 0) throw new Error('posix-user tests need to run as root');
});

describe('posix containerizer --switch-user (as root)', () => {
  let sandbox: string;
  let outside: string;
  let nextId = 0;
  const containerizers: PosixContainerizer[] = [];
  const make = (opts: ConstructorParameters<typeof PosixContainerizer>[0] = {}): PosixContainerizer => {
    const c = new PosixContainerizer({ baseEnv: { PATH: process.env.PATH }, ...opts });
    containerizers.push(c);
    return c;
  };

  beforeEach(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'tsmesos-posix-user-'));
    outside = await mkdtemp(path.join(tmpdir(), 'tsmesos-posix-user-outside-'));
  });
  afterEach(async () => {
    for (const c of containerizers.splice(0)) await c.destroyAll(0);
    await rm(sandbox, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const spec = (value: string, extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
    containerId: `user-${process.pid}-${nextId++}`, sandboxDir: sandbox,
    command: { shell: true, value, arguments: [], environment: {} }, env: {}, ...extra,
  });
  const stdout = (): Promise<string> => readFile(path.join(sandbox, 'stdout'), 'utf8');

  it('runs the task as CommandInfo.user with its own groups only, in a sandbox it owns', async () => {
    const done = await (await make().launch(spec('id -u; id -g; id -G; echo hello > written', { user: 'nobody' }))).termination;
    expect(done).toMatchObject({ exitCode: 0, signal: null });
    // nogroup (65534) is nobody's primary and only group: root's supplementary groups are gone.
    expect(await stdout()).toBe(`${NOBODY}\n${NOBODY}\n${NOBODY}\n`);
    expect(statSync(path.join(sandbox, 'written')).uid).toBe(NOBODY);
    expect(await readFile(path.join(sandbox, 'written'), 'utf8')).toBe('hello\n');
    for (const f of ['.', 'stdout', 'stderr']) expect([f, statSync(path.join(sandbox, f)).uid, statSync(path.join(sandbox, f)).gid]).toEqual([f, NOBODY, NOBODY]);
  });

  describe('a user with supplementary groups', () => {
    // A throwaway system user (primary group of its own, one supplementary group), removed after.
    const name = `tsm-u9-${process.pid}`;
    const extra = `tsm-g9-${process.pid}`;
    let ids: { uid: number; gid: number; extra: number };
    beforeAll(() => {
      execFileSync('groupadd', ['--system', extra]);
      execFileSync('useradd', ['--system', '--no-create-home', '--user-group', '--groups', extra, '--shell', '/usr/sbin/nologin', name]);
      const id = (flag: string, who: string): number => Number(execFileSync('id', [flag, who], { encoding: 'utf8' }).trim());
      ids = { uid: id('-u', name), gid: id('-g', name), extra: Number(execFileSync('getent', ['group', extra], { encoding: 'utf8' }).split(':')[2]) };
    });
    afterAll(() => {
      execFileSync('userdel', [name]);
      execFileSync('groupdel', [extra]);
    });

    it('gets its primary group and its supplementary groups (initgroups), nothing of root', async () => {
      await (await make().launch(spec('id -u; id -g; id -G', { user: name }))).termination;
      const [uid, gid, groups] = (await stdout()).trim().split('\n');
      expect([Number(uid), Number(gid)]).toEqual([ids.uid, ids.gid]);
      expect(groups!.split(' ').map(Number).sort((a, b) => a - b)).toEqual([ids.gid, ids.extra].sort((a, b) => a - b));
      expect(statSync(sandbox).gid).toBe(ids.gid);
    });
  });

  it('falls back to FrameworkInfo.user; CommandInfo.user wins over it', async () => {
    const c = make();
    await (await c.launch(spec('id -u', { frameworkUser: 'nobody' }))).termination;
    expect(await stdout()).toBe(`${NOBODY}\n`);
    await (await c.launch(spec('id -u', { user: 'root', frameworkUser: 'nobody' }))).termination;
    expect(await stdout()).toBe(`${NOBODY}\n0\n`);
  });

  it("--switch-user false runs the task as the agent's user", async () => {
    const c = make({ switchUser: false });
    expect(c.taskUser(spec('true', { user: 'nobody', frameworkUser: 'nobody' }))).toBeUndefined();
    await (await c.launch(spec('id -u; touch mine', { user: 'nobody', frameworkUser: 'nobody' }))).termination;
    expect(await stdout()).toBe('0\n');
    expect(statSync(path.join(sandbox, 'mine')).uid).toBe(0);
    expect(statSync(sandbox).uid).toBe(0);
  });

  it('an agent not running as root runs tasks as its own user, whatever the task asks', () => {
    const c = make({ runningAsRoot: false });
    expect(c.taskUser(spec('true', { user: 'nobody', frameworkUser: 'nobody' }))).toBeUndefined();
    expect(make().taskUser(spec('true', { user: '', frameworkUser: 'nobody' }))).toBe('nobody');
    expect(make().taskUser(spec('true', { frameworkUser: '' }))).toBeUndefined();
  });

  it('an unknown user fails the launch with a clear message, and nothing runs or is left behind', async () => {
    const c = make();
    const s = spec('touch ran', { user: NO_SUCH_USER });
    const err = await c.launch(s).then(() => undefined, (e: unknown) => e);
    expect(isTsmesosError(err) && err.code).toBe('BAD_REQUEST');
    expect((err as Error).message).toBe(`Failed to launch container '${s.containerId}': cannot run the task as user '${NO_SUCH_USER}': no such user on this agent`);
    expect(existsSync(path.join(sandbox, 'ran'))).toBe(false);
    expect(c.containers()).toEqual([]);
    // The sandbox's stderr tells the user too.
    expect(await readFile(path.join(sandbox, 'stderr'), 'utf8')).toContain(`no such user`);
    // Same from the framework's user.
    await expect(c.launch(spec('true', { frameworkUser: NO_SUCH_USER }))).rejects.toThrow(`cannot run the task as user '${NO_SUCH_USER}'`);
  });

  it('hostile user names are just unknown users: no option parsing, no shell, no path', async () => {
    const c = make();
    for (const name of ['-u', '--help', 'root;touch ran', '../../etc/passwd', '$(touch ran)', 'a b', 'x'.repeat(256)]) {
      await expect(c.launch(spec('touch ran', { user: name }))).rejects.toThrow(`cannot run the task as user '${name}': no such user on this agent`);
      expect(await resolveUser(name)).toBeUndefined();
    }
    // A newline cannot split the supervisor's report into a fake one.
    await expect(c.launch(spec('touch ran', { user: 'bad\n123' }))).rejects.toThrow("cannot run the task as user 'bad");
    expect(existsSync(path.join(sandbox, 'ran'))).toBe(false);
    expect(c.containers()).toEqual([]);
  });

  it('chowns what the fetcher left in the sandbox, without following symlinks or touching hard links out of it', async () => {
    mkdirSync(path.join(sandbox, 'app', 'lib'), { recursive: true });
    writeFileSync(path.join(sandbox, 'app', 'lib', 'data'), 'x');
    const victim = path.join(outside, 'root-owned');
    writeFileSync(victim, 'secret');
    symlinkSync(victim, path.join(sandbox, 'link'));
    symlinkSync(outside, path.join(sandbox, 'dirlink'));
    const done = await (await make().launch(spec('echo more >> app/lib/data && ! (echo no >> link) 2>/dev/null', { user: 'nobody' }))).termination;
    expect(done.exitCode).toBe(0);
    for (const p of ['app', 'app/lib', 'app/lib/data']) expect([p, statSync(path.join(sandbox, p)).uid]).toEqual([p, NOBODY]);
    expect(statSync(victim).uid).toBe(0);
    expect(statSync(outside).uid).toBe(0);
    expect(lstatSync(path.join(sandbox, 'link')).uid).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('secret');
  });

  describe('with cgroups isolation', () => {
    const ROOT = `tsmesos-user-test-${process.pid}`;
    let isolator: CgroupsIsolator;
    beforeAll(() => {
      const detected = detectCgroups();
      if (!detected.ok) throw new Error(`cgroups tests need cgroups: ${detected.reason}`);
      isolator = new CgroupsIsolator(detected.layout, { cpu: true, mem: true }, ROOT);
      isolator.prepareRoot();
    });
    afterAll(async () => {
      await isolator.removeRoot();
      for (const dir of isolator.baseDirs()) expect(existsSync(dir), `${dir} removed`).toBe(false);
    });

    it("the switched task still starts inside its container's cgroups", async () => {
      const c = make({ cgroups: isolator });
      const s = spec('id -u; sleep 30', { user: 'nobody', resources: { cpus: 0.5, memMb: 64 } });
      const launched = await c.launch(s);
      const membership = parseProcCgroup(await readFile(`/proc/${launched.pid}/cgroup`, 'utf8'));
      expect((membership.get('memory') ?? membership.get(''))?.endsWith(`/${ROOT}/${s.containerId}`)).toBe(true);
      // The pid is reported at the fork: the ids change when the child drops them, before the exec.
      await waitFor(async () => (await stdout()) === `${NOBODY}\n`);
      const status = await readFile(`/proc/${launched.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(status)?.slice(1)).toEqual([String(NOBODY), String(NOBODY), String(NOBODY), String(NOBODY)]);
      await c.kill(s.containerId, 0);
      expect(await launched.termination).toMatchObject({ killed: true });
      expect(isolator.leftovers()).not.toContain(s.containerId);
    });
  });
});

describe('docker containerizer and --switch-user', () => {
  it("does not take FrameworkInfo.user (the image's user stays); CommandInfo.user is its User as before", () => {
    const base: LaunchSpec = {
      containerId: 'd', sandboxDir: '/tmp/none', command: { shell: true, value: 'true', arguments: [], environment: {} }, env: {},
      container: { type: 'DOCKER', volumes: [], docker: { image: 'tsmesos/busybox:test', network: 'HOST', portMappings: [], privileged: false, parameters: [], forcePullImage: false } },
    };
    expect(createOptions({ ...base, frameworkUser: 'nobody' }, 'agent').User).toBeUndefined();
    expect(createOptions({ ...base, user: 'nobody', frameworkUser: 'root' }, 'agent').User).toBe('nobody');
  });
});

// Through a real agent (roles/agent.ts with the posix containerizer; the master in process).
describe('agent --switch-user (as root)', () => {
  async function run(c: SimCluster, s: V1Scheduler, id: string, command: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<ReturnType<typeof updateOf>[]> {
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: id, task_id: { value: id }, agent_id: offer.agent_id, command,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }], ...extra,
    }] } }] } });
    const seen: ReturnType<typeof updateOf>[] = [];
    for (let i = 0; i < 10; i++) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === id, 20_000));
      seen.push(u);
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST'].includes(u.state)) break;
      await c.settle();
    }
    return seen;
  }
  /** The sandbox holding `file` under the cluster's data dir. */
  function sandboxWith(c: SimCluster, file: string): string {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isSymbolicLink()) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === file) found.push(dir);
      }
    };
    walk(c.dataDir);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  it("runs the task as FrameworkInfo.user 'nobody' (the default), which can write its sandbox", async () => {
    const c = await simCluster({ flags: { switchUser: 'true' } });
    const s = await c.scheduler({ name: 'as-nobody', user: 'nobody' });
    const updates = await run(c, s, 'who', { value: 'id -u > uid-of-task && echo written > by-task' });
    expect(updates.map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const dir = sandboxWith(c, 'uid-of-task');
    expect(await readFile(path.join(dir, 'uid-of-task'), 'utf8')).toBe(`${NOBODY}\n`);
    expect(statSync(path.join(dir, 'by-task')).uid).toBe(NOBODY);
    expect(statSync(dir).uid).toBe(NOBODY);
    // $MESOS_SANDBOX is reachable from the work dir down (search permission, no listing, for everyone;
    // above it, the data dir is the operator's: the packaged /var/lib/tsmesos is 0755, this test's
    // temp dir is not); meta/ (checkpoints) stays the agent's own.
    const workDir = path.join(c.dataDir, 'agent');
    for (let d = path.dirname(dir); d.startsWith(workDir); d = path.dirname(d)) expect([d, statSync(d).mode & 0o011]).toEqual([d, 0o011]);
    expect(statSync(path.join(c.dataDir, 'agent', 'meta')).mode & 0o077).toBe(0);
  });

  it('CommandInfo.user wins over FrameworkInfo.user', async () => {
    const c = await simCluster({ flags: { switchUser: 'true' } });
    const s = await c.scheduler({ name: 'as-root', user: 'nobody' });
    const updates = await run(c, s, 'who', { value: 'id -u > uid-of-task', user: 'root' });
    expect(updates.at(-1)?.state).toBe('TASK_FINISHED');
    expect(await readFile(path.join(sandboxWith(c, 'uid-of-task'), 'uid-of-task'), 'utf8')).toBe('0\n');
  });

  it("--switch-user false: the task runs as the agent's user (root)", async () => {
    const c = await simCluster({ flags: { switchUser: 'false' } });
    const s = await c.scheduler({ name: 'no-switch', user: 'nobody' });
    const updates = await run(c, s, 'who', { value: 'id -u > uid-of-task' });
    expect(updates.at(-1)?.state).toBe('TASK_FINISHED');
    expect(await readFile(path.join(sandboxWith(c, 'uid-of-task'), 'uid-of-task'), 'utf8')).toBe('0\n');
  });

  it('an unknown user fails the task with REASON_CONTAINER_LAUNCH_FAILED and says why; the agent carries on', async () => {
    const c = await simCluster({ flags: { switchUser: 'true' } });
    const s = await c.scheduler({ name: 'unknown', user: NO_SUCH_USER });
    const updates = await run(c, s, 'ghost', { value: 'touch ran' });
    expect(updates.map((u) => [u.state, u.reason])).toEqual([['TASK_STARTING', undefined], ['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']]);
    expect(updates.at(-1)?.message).toMatch(new RegExp(`^Failed to launch container '[^']+': cannot run the task as user '${NO_SUCH_USER}': no such user on this agent$`));
    // The agent is still there and runs the next task (as the task's own, existing, user).
    const next = await run(c, s, 'next', { value: 'id -u > uid-of-task', user: 'nobody' });
    expect(next.at(-1)?.state).toBe('TASK_FINISHED');
    expect(await readFile(path.join(sandboxWith(c, 'uid-of-task'), 'uid-of-task'), 'utf8')).toBe(`${NOBODY}\n`);
  });

  it("a DOCKER task on the same agent is unaffected: the image's user (root), FrameworkInfo.user not imposed", async () => {
    const docker = await requireDocker();
    const c = await simCluster({ flags: { switchUser: 'true', containerizers: 'posix,docker' } });
    try {
      const s = await c.scheduler({ name: 'docker-as-nobody', user: 'nobody' });
      const updates = await run(c, s, 'boxed', { shell: true, value: 'id -u > "$MESOS_SANDBOX/uid-of-task"' }, {
        container: { type: 'DOCKER', docker: { image: TEST_IMAGE, network: 'HOST' } },
      });
      expect(updates.map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      const dir = sandboxWith(c, 'uid-of-task');
      expect(await readFile(path.join(dir, 'uid-of-task'), 'utf8')).toBe('0\n');
      expect(statSync(dir).uid).toBe(0);
    } finally {
      await removeTestContainers(docker, path.join(c.dataDir, 'agent'));
    }
  });

  it("a local URI the task's user may not read is not fetched for it (the fetcher runs as root); a readable one is", async () => {
    // Under /tmp itself (1777), not this run's private TMPDIR: the way there must be open to 'nobody'.
    const files = await mkdtemp('/tmp/tsmesos-posix-user-fetch-');
    try {
      await chmod(files, 0o755);
      const secret = path.join(files, 'secret');
      const shared = path.join(files, 'shared');
      writeFileSync(secret, 'root only\n', { mode: 0o600 });
      writeFileSync(shared, 'for all\n', { mode: 0o644 });
      const c = await simCluster({ flags: { switchUser: 'true' } });
      const s = await c.scheduler({ name: 'fetch-as-nobody', user: 'nobody' });
      const refused = await run(c, s, 'steal', { value: 'cat secret', uris: [{ value: secret }] });
      expect(refused.map((u) => [u.state, u.reason])).toEqual([['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']]);
      expect(refused[0]!.message).toBe(`Failed to fetch '${secret}': user 'nobody', whom the task runs as, may not read '${secret}'`);
      const fetched = await run(c, s, 'share', { value: 'cat shared > seen-by-task', uris: [{ value: `file://${shared}` }] });
      expect(fetched.at(-1)?.state).toBe('TASK_FINISHED');
      const dir = sandboxWith(c, 'seen-by-task');
      expect(await readFile(path.join(dir, 'seen-by-task'), 'utf8')).toBe('for all\n');
      expect(statSync(path.join(dir, 'shared')).uid).toBe(NOBODY);
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });
});

describe('canRead (the permission bits of a path for a user)', () => {
  it('needs search permission on every directory and read permission on the file, by owner, group or other', async () => {
    const dir = await mkdtemp('/tmp/tsmesos-posix-user-bits-');
    try {
      await chmod(dir, 0o755);
      const f = path.join(dir, 'f');
      writeFileSync(f, 'x', { mode: 0o640 });
      const nobody = (await resolveUser('nobody'))!;
      expect(nobody).toEqual({ name: 'nobody', uid: NOBODY, gids: [NOBODY] });
      expect(await resolveUser(NO_SUCH_USER)).toBeUndefined();
      expect(await canRead(nobody, f)).toBe(false);
      await chmod(f, 0o644);
      expect(await canRead(nobody, f)).toBe(true);
      await chmod(dir, 0o750);
      expect(await canRead(nobody, f)).toBe(false);
      await chmod(dir, 0o751);
      expect(await canRead(nobody, f)).toBe(true);
      await chmod(f, 0o640);
      await chown(f, 0, NOBODY);
      expect(await canRead(nobody, f)).toBe(true);
      await chown(f, NOBODY, 0);
      await chmod(f, 0o044);
      // The owner's own bits decide for the owner.
      expect(await canRead(nobody, f)).toBe(false);
      expect(await canRead(nobody, path.join(dir, 'missing'))).toBe(false);
      expect(await canRead({ name: 'root', uid: 0, gids: [0] }, f)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('COMMAND health checks of a switched task', () => {
  it("run as the task's user; an unknown user is an unhealthy check that says why", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tsmesos-posix-user-check-'));
    try {
      await chown(dir, NOBODY, NOBODY);
      const never = new AbortController().signal;
      const cmd = (value: string) => ({ shell: true, value, arguments: [], environment: {} });
      const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
      await expect(commandProbe(cmd(`test "$(id -u):$(id -g)" = ${NOBODY}:${NOBODY} && touch checked`), { cwd: dir, env, user: 'nobody' })(never)).resolves.toBeUndefined();
      expect(statSync(path.join(dir, 'checked')).uid).toBe(NOBODY);
      await expect(commandProbe(cmd('test "$(id -u)" = 0'), { cwd: dir, env, user: 'nobody' })(never)).rejects.toThrow('Command exited with status 1');
      await expect(commandProbe(cmd('true'), { cwd: dir, env, user: NO_SUCH_USER })(never)).rejects.toThrow(`cannot run the health check command as user '${NO_SUCH_USER}': no such user on this agent`);
      // Without a user: the agent's (root).
      await expect(commandProbe(cmd('test "$(id -u)" = 0'), { cwd: dir, env })(never)).resolves.toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('through the agent: the task as nobody is reported healthy by a check that needs to be nobody', async () => {
    const c = await simCluster({ flags: { switchUser: 'true' } });
    const s = await c.scheduler({ name: 'checked', user: 'nobody' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: 'h', task_id: { value: 'h' }, agent_id: offer.agent_id, command: { value: 'sleep 300' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
      health_check: { type: 'COMMAND', command: { value: `test "$(id -u)" = ${NOBODY}` }, delay_seconds: 1, interval_seconds: 1, timeout_seconds: 0, grace_period_seconds: 0 },
    }] } }] } });
    const next = async (): Promise<ReturnType<typeof updateOf> & { healthy?: boolean }> => {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE', 20_000)) as ReturnType<typeof updateOf> & { healthy?: boolean };
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      return u;
    };
    expect((await next()).state).toBe('TASK_STARTING');
    expect((await next()).state).toBe('TASK_RUNNING');
    await c.advance(1000);
    const checked = await next();
    expect([checked.state, checked.healthy, checked.reason]).toEqual(['TASK_RUNNING', true, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'h' } } })).status).toBe(202);
    expect((await next()).state).toBe('TASK_KILLED');
  });
});

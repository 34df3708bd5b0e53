import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, freePort, getJson, run, tempDir, waitFor, type Proc } from '../helpers/process.js';
import { V1Scheduler, offersOf, updateOf } from '../helpers/v1-client.js';
import { APT_OPTS, VERSION, buildPackages, claimSystem, dpkgVersion, sh, unitEnv } from './helpers.js';

// Upgrade N -> N+1 with the packages: N is built from an older commit (TSMESOS_UPGRADE_FROM, else the
// newest v* tag before HEAD, else the last commit before packaging landed) and labelled `<version>~prev`,
// which dpkg orders before `<version>`. Install N, run its master as tsmesos.service would (the
// tsmesos user, the unit's environment) and an agent as tsmesos-agent.service would (root), start a
// long task, install N+1 over N, restart the master on the new binary: the registry data, the
// operator's conffile edit, the agent and its running task are all still there.
// The agent is not restarted here: N, built from an older commit, kills its tasks on SIGTERM. From
// this version on the agent leaves checkpointing frameworks' tasks running on SIGTERM and recovers
// them (test/e2e/agent-sigterm.test.ts), which the next release's upgrade test can then exercise.

interface MasterState { slaves: { id: string; active: boolean }[]; frameworks: { id: string; tasks: { id: string; state: string; slave_id: string }[] }[] }

function upgradeFrom(): string {
  const git = (args: string[]): string => sh('git', args, { cwd: REPO }).stdout.trim();
  if (git(['rev-parse', '--is-shallow-repository']) === 'true') throw new Error('the upgrade test builds the previous release from git history: this clone is shallow (git fetch --unshallow)');
  const explicit = process.env['TSMESOS_UPGRADE_FROM'];
  if (explicit !== undefined && explicit !== '') return git(['rev-parse', '--verify', `${explicit}^{commit}`]);
  const tag = sh('git', ['describe', '--tags', '--abbrev=0', '--match', 'v*', 'HEAD^'], { cwd: REPO, allowFail: true });
  if (tag.status === 0) return git(['rev-parse', `${tag.stdout.trim()}^{commit}`]);
  const first = git(['log', '--format=%H', '--diff-filter=A', '--', 'build/package.mjs']).split('\n').at(-1);
  if (first === undefined || first === '') throw new Error('no v* tag and no commit adding build/package.mjs: set TSMESOS_UPGRADE_FROM');
  return git(['rev-parse', `${first}^`]);
}

describe('upgrade N -> N+1 with the deb', { timeout: 240_000 }, () => {
  const work = tempDir('tsmesos-upgrade-');
  const oldVersion = `${VERSION}~prev`;
  let release: (() => void) | undefined;
  let rev = '';
  const procs: Proc[] = [];

  // claimSystem may wait for another packaging test file (they share the machine's dpkg state) for up to 5 min.
  beforeAll(async () => {
    release = await claimSystem();
  }, 400_000);

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    release?.();
  });

  it('builds N from an older commit and N+1 from this one', () => {
    rev = upgradeFrom();
    const src = path.join(work, 'old');
    fs.mkdirSync(src);
    sh('sh', ['-c', `git -C "${REPO}" archive "${rev}" | tar -x -C "${src}"`]);
    // Same lock file: reuse this tree's node_modules (the pinned Node, esbuild, the addon); otherwise install.
    const sameDeps = sh('git', ['show', `${rev}:package-lock.json`], { cwd: REPO }).stdout === fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8');
    if (sameDeps) fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(src, 'node_modules'));
    else sh('npm', ['ci', '--no-audit', '--no-fund'], { cwd: src });
    const pj = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8')) as { version: string };
    pj.version = oldVersion;
    fs.writeFileSync(path.join(src, 'package.json'), JSON.stringify(pj, null, 2));
    sh(process.execPath, [path.join(src, 'build', 'build.mjs')], { cwd: src });
    buildPackages(path.join(work, 'n'), 'deb', { exe: path.join(src, 'build', 'out', 'tsmesos'), version: oldVersion });
    buildPackages(path.join(work, 'n1'), 'deb');
    expect(fs.existsSync(path.join(work, 'n', `tsmesos_${oldVersion}_amd64.deb`))).toBe(true);
    expect(sh('dpkg', ['--compare-versions', oldVersion, 'lt', VERSION], { allowFail: true }).status).toBe(0);
  });

  it('keeps the data, the conffile edit, the agent and its running task across the upgrade', async () => {
    sh('apt-get', ['install', ...APT_OPTS, `./tsmesos_${oldVersion}_amd64.deb`], { cwd: path.join(work, 'n') });
    expect(dpkgVersion()).toBe(oldVersion);
    expect(sh('/usr/bin/tsmesos', ['version']).stdout).toBe(`tsmesos ${oldVersion}\n`);
    // An operator's edit of the conffile (the master's log level).
    fs.appendFileSync('/etc/tsmesos/tsmesos.conf', 'TSMESOS_LOG_LEVEL=info\n');

    const [masterPort, agentPort] = [await freePort(), await freePort()];
    const master = `http://127.0.0.1:${masterPort}`;
    // The packaged agent unit registers over plain HTTP (TSMESOS_MASTER, no join token): the master lets it in.
    const masterEnv = { ...unitEnv('/lib/systemd/system/tsmesos.service'), TSMESOS_PORT: String(masterPort), TSMESOS_LOG_LEVEL: 'info', TSMESOS_AGENT_TLS: 'optional' };
    const startMaster = (): Proc => {
      const p = run(['--reuid', 'tsmesos', '--regid', 'tsmesos', '--clear-groups', '/usr/bin/tsmesos', 'up'], { cmd: 'setpriv', cwd: '/', env: masterEnv });
      procs.push(p);
      return p;
    };
    let m = startMaster();
    const agentEnv = { ...unitEnv('/lib/systemd/system/tsmesos-agent.service'), TSMESOS_MASTER: `127.0.0.1:${masterPort}`, TSMESOS_PORT: String(agentPort), HOME: work };
    const agent = run(['up'], { cmd: '/usr/bin/tsmesos', cwd: '/', env: agentEnv });
    procs.push(agent);
    const state = async (): Promise<MasterState> => (await getJson(`${master}/master/state`)).body as MasterState;
    await waitFor(`an active agent (master: ${m.output()} agent: ${agent.output()})`, async () => ((await state()).slaves?.some((a) => a.active) ? true : undefined), 30_000);
    expect(((await getJson(`${master}/version`)).body as { tsmesos_version: string }).tsmesos_version).toBe(oldVersion);

    const s = new V1Scheduler(master);
    expect((await s.subscribe({ user: 'root', name: 'upgrade', failover_timeout: 3600 })).type).toBe('SUBSCRIBED');
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    expect((await s.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'long', task_id: { value: 'long' }, agent_id: offer.agent_id, command: { shell: true, value: 'sleep 600' },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
        }] } }],
      },
    })).status).toBe(202);
    for (;;) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
      if (u.uuid !== undefined) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_RUNNING') break;
      if (u.state !== 'TASK_STARTING') throw new Error(`task went ${u.state}: ${u.message ?? ''}`);
    }
    const frameworkId = s.frameworkId;
    const agentId = offer.agent_id.value;

    // N+1 over N, while N runs.
    sh('apt-get', ['install', ...APT_OPTS, `./tsmesos_${VERSION}_amd64.deb`], { cwd: path.join(work, 'n1') });
    expect(dpkgVersion()).toBe(VERSION);
    expect(sh('/usr/bin/tsmesos', ['version']).stdout).toBe(`tsmesos ${VERSION}\n`);
    expect(fs.readFileSync('/etc/tsmesos/tsmesos.conf', 'utf8')).toMatch(/^TSMESOS_LOG_LEVEL=info$/m);
    expect(fs.readdirSync('/var/lib/tsmesos/master').length).toBeGreaterThan(0);

    // Restart the master on N+1: same registry, the old agent reregisters with its task still running.
    m.kill('SIGTERM');
    expect((await m.exited).code, m.output()).toBe(0);
    s.close();
    m = startMaster();
    await waitFor(`the agent back on the new master (master: ${m.output()})`, async () => {
      const st = await state();
      return st.slaves?.some((a) => a.id === agentId && a.active) ? true : undefined;
    }, 60_000);
    expect(((await getJson(`${master}/version`)).body as { tsmesos_version: string }).tsmesos_version).toBe(VERSION);
    const again = new V1Scheduler(master);
    const sub = await again.subscribe({ user: 'root', name: 'upgrade', failover_timeout: 3600, id: { value: frameworkId } });
    expect(sub.type).toBe('SUBSCRIBED');
    expect(again.frameworkId).toBe(frameworkId);
    const task = await waitFor('the task on the new master', async () => {
      const fw = (await state()).frameworks.find((f) => f.id === frameworkId);
      return fw?.tasks.find((t) => t.id === 'long');
    }, 30_000);
    expect(task.state).toBe('TASK_RUNNING');
    expect(task.slave_id).toBe(agentId);
    expect(agent.child.exitCode).toBe(null); // the agent (still N) never stopped

    await again.call({ type: 'TEARDOWN' });
    again.close();
    m.kill('SIGTERM');
    agent.kill('SIGTERM');
    expect((await m.exited).code, m.output()).toBe(0);
    expect((await agent.exited).code, agent.output()).toBe(0);
    console.log(`upgrade: ${rev.slice(0, 12)} (as ${oldVersion}) -> ${VERSION}`);
  });
});

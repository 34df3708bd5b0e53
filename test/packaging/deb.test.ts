import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, run, tempDir, waitFor, waitForActiveAgent } from '../helpers/process.js';
import { V1Scheduler, offersOf, updateOf } from '../helpers/v1-client.js';
import { APT_OPTS, VERSION, buildPackages, claimSystem, dpkgKnows, packagedFiles, sh } from './helpers.js';

// The Debian package for real, on this machine (CI runs as root on a fresh Debian 12): build it with
// `npm run package`'s script, `apt install tsmesos` from the generated apt repository, `apt-get install
// ./tsmesos_*.deb`, run the installed /usr/bin/tsmesos, check the units with systemd-analyze, remove,
// purge, and compare the file system before and after. Pass or fail, the package is purged, the apt
// source removed and anything the test moved aside put back (afterAll).

const DEB = `tsmesos_${VERSION}_amd64.deb`;
/** Where the system keeps what the package may create; dpkg's and apt's own databases and caches are left out. */
const WATCHED = ['/etc', '/usr', '/lib', '/var/lib', '/var/cache', '/opt', '/srv'];
// The Docker engine's own state changes while the docker tests run beside these.
const UNWATCHED = ['/var/lib/docker', '/var/lib/containerd', '/var/lib/dpkg', '/var/lib/apt', '/var/cache/apt', '/var/cache/man', '/var/cache/debconf', '/var/cache/ldconfig', '/etc/ld.so.cache'];
/** useradd's backups of the user databases: they exist on Debian already, but may be created by the first useradd. */
const USER_DB_BACKUPS = new Set(['/etc/passwd-', '/etc/group-', '/etc/shadow-', '/etc/gshadow-', '/etc/subuid-', '/etc/subgid-']);

function fileList(): Set<string> {
  const prune = UNWATCHED.flatMap((p, i) => (i === 0 ? ['-path', p] : ['-o', '-path', p]));
  const out = sh('find', [...WATCHED.filter((d) => fs.existsSync(d)), '-xdev', '(', ...prune, ')', '-prune', '-o', '-print'], { allowFail: true }).stdout;
  return new Set(out.split('\n').filter((l) => l.length > 0 && !USER_DB_BACKUPS.has(l)));
}

/** The paths of `files` no installed package owns (dpkg -S). */
function withoutPackagedFiles(files: string[]): string[] {
  if (files.length === 0) return [];
  const owned = new Set(sh('dpkg-query', ['-S', ...files], { allowFail: true }).stdout.split('\n').map((l) => l.replace(/^[^:]+(:[a-z0-9]+)?: /, '').trim()));
  return files.filter((f) => !owned.has(f));
}

const installed = (): boolean => sh('dpkg-query', ['-W', '-f', '${Status}', 'tsmesos'], { allowFail: true }).stdout.includes('install ok installed');


describe('the deb package', { timeout: 180_000 }, () => {
  const out = tempDir('tsmesos-pkg-');
  const list = `/etc/apt/sources.list.d/tsmesos-test-${process.pid}.list`;
  let before = new Set<string>();
  let release: (() => void) | undefined;

  // claimSystem may wait for another packaging test file (they share the machine's dpkg state) for up to 5 min.
  beforeAll(async () => {
    release = await claimSystem();
    before = fileList();
  }, 400_000);

  afterAll(() => {
    const errors: string[] = [];
    try {
      fs.rmSync(list, { force: true });
      // apt's lists of the test repository (named after its path)
      const lists = '/var/lib/apt/lists';
      const tag = `${out.replace(/^\//, '').replace(/\//g, '_')}_apt_`;
      for (const f of fs.readdirSync(lists)) if (f.includes(tag)) fs.rmSync(path.join(lists, f), { force: true });
    } catch (e) {
      errors.push(`apt source: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      release?.();
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
  });

  it('builds the deb and a flat apt repository', () => {
    const log = buildPackages(out, 'deb');
    expect(log).toContain(`ok: `);
    const deb = path.join(out, DEB);
    expect(fs.existsSync(deb)).toBe(true);
    const field = (f: string): string => sh('dpkg-deb', ['-f', deb, f]).stdout.trim();
    expect(field('Package')).toBe('tsmesos');
    expect(field('Version')).toBe(VERSION);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Depends')).toMatch(/^libc6 \(>= 2\.\d+\), libstdc\+\+6 \(>= \d+\), libgcc-s1$/);
    const listed = sh('dpkg-deb', ['-c', deb]).stdout.split('\n').filter((l) => l.startsWith('-')).map((l) => l.split(/\s+/).at(-1)!.replace(/^\./, ''));
    expect(listed.sort()).toEqual(packagedFiles('/lib/systemd/system').sort());
    // root-owned, the executable and the hook executable
    expect(sh('dpkg-deb', ['-c', deb]).stdout).toMatch(/-rwxr-xr-x root\/root\s+\d+ .* \.\/usr\/bin\/tsmesos/);
    const info = sh('dpkg-deb', ['-I', deb]).stdout;
    for (const s of ['conffiles', 'postinst', 'prerm', 'postrm']) expect(info).toContain(s);
    expect(sh('dpkg-deb', ['-I', deb, 'conffiles']).stdout).toBe('/etc/tsmesos/tsmesos.conf\n/etc/tsmesos/agent.conf\n');

    const repo = path.join(out, 'apt');
    const packages = fs.readFileSync(path.join(repo, 'Packages'), 'utf8');
    expect(packages).toMatch(/^Package: tsmesos$/m);
    expect(packages).toContain(`Filename: ./${DEB}`);
    expect(fs.existsSync(path.join(repo, DEB))).toBe(true);
    expect(fs.existsSync(path.join(repo, 'Packages.gz'))).toBe(true);
    const release = fs.readFileSync(path.join(repo, 'Release'), 'utf8');
    expect(release).toMatch(/SHA256:\n( \S+ +\d+ Packages(\.gz)?\n)+/);
  });

  it('`apt install tsmesos` from the apt repository, as the README says', () => {
    // apt reads file: repositories as its unprivileged `_apt` user: the path must be readable by others
    // (the temp dirs are 0700).
    for (const d of [path.dirname(out), out]) fs.chmodSync(d, 0o755);
    // The repository is signed (apt-repo.test.ts tests the signatures): trusted=yes would still warn about the unknown key.
    fs.writeFileSync(list, `deb [signed-by=${out}/apt/tsmesos-archive-keyring.gpg] file:${out}/apt ./\n`);
    try {
      // Only this source is refreshed (the machine's other sources are not the subject, and are slow).
      const update = sh('apt-get', ['update', '-q', '-o', `Dir::Etc::sourcelist=${list}`, '-o', 'Dir::Etc::sourceparts=-', '-o', 'APT::Get::List-Cleanup=0', '-o', 'DPkg::Lock::Timeout=300']);
      expect(update.stdout + update.stderr).not.toMatch(/^(W|E):/m);
      expect(sh('apt-cache', ['policy', 'tsmesos']).stdout).toContain(`Candidate: ${VERSION}`);
      sh('apt-get', ['install', ...APT_OPTS, 'tsmesos']);
      expect(installed()).toBe(true);
      expect(sh('/usr/bin/tsmesos', ['version']).stdout).toBe(`tsmesos ${VERSION}\n`);
      sh('apt-get', ['purge', ...APT_OPTS, 'tsmesos']);
      expect(dpkgKnows()).toBe(false);
    } finally {
      fs.rmSync(list, { force: true });
    }
  });

  it('`apt-get install ./tsmesos_*.deb` installs the executable, units, conffiles, user and directories', () => {
    sh('apt-get', ['install', ...APT_OPTS, `./${DEB}`], { cwd: out });
    expect(installed()).toBe(true);
    for (const f of packagedFiles('/lib/systemd/system')) expect(fs.existsSync(f), f).toBe(true);
    expect(sh('/usr/bin/tsmesos', ['version']).stdout).toBe(`tsmesos ${VERSION}\n`);
    // the system user, and who owns what under /var/lib/tsmesos
    const pw = sh('getent', ['passwd', 'tsmesos']).stdout.split(':');
    expect(pw[5]).toBe('/var/lib/tsmesos');
    expect(pw[6]?.trim()).toMatch(/nologin$/);
    const uid = Number(pw[2]);
    const st = (p: string): fs.Stats => fs.statSync(p);
    expect([st('/var/lib/tsmesos').uid, st('/var/lib/tsmesos').mode & 0o777]).toEqual([0, 0o755]);
    expect([st('/var/lib/tsmesos/cache').uid, st('/var/lib/tsmesos/cache').mode & 0o777]).toEqual([0, 0o755]);
    expect([st('/var/lib/tsmesos/master').uid, st('/var/lib/tsmesos/master').mode & 0o777]).toEqual([uid, 0o750]);
    // postinst extracted the SQLite addon into the root-owned cache the units name
    expect(fs.readdirSync('/var/lib/tsmesos/cache')).toEqual([expect.stringMatching(/^better_sqlite3-[0-9a-f]{16}\.node$/)]);
    // every flag of `tsmesos up` is in the conffiles' commented defaults
    const upHelp = sh('/usr/bin/tsmesos', ['up', '--help']).stdout;
    const flags = [...upHelp.matchAll(/^ {2}--([a-z-]+) </gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10);
    const conf = fs.readFileSync('/etc/tsmesos/tsmesos.conf', 'utf8') + fs.readFileSync('/etc/tsmesos/agent.conf', 'utf8');
    for (const f of flags) expect(conf, f).toContain(`TSMESOS_${f.toUpperCase().replace(/-/g, '_')}=`);
    // man page and completion, both from --help
    const man = sh('sh', ['-c', 'gzip -dc /usr/share/man/man1/tsmesos.1.gz']).stdout;
    expect(man).toMatch(/^\.TH TSMESOS 1 /m);
    for (const f of flags) expect(man, f).toContain(`\\-\\-${f.replace(/-/g, '\\-')}`);
    const complete = (line: string): string[] => {
      const words = line.split(' ');
      const script = `source /usr/share/bash-completion/completions/tsmesos; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tsmesos; echo "\${COMPREPLY[*]}"`;
      return sh('bash', ['-c', script]).stdout.trim().split(' ');
    };
    expect(complete('tsmesos u').sort()).toEqual(['unreserve', 'up']);
    expect(complete('tsmesos up')).toEqual(['up']);
    expect(complete('tsmesos up --ro')).toEqual(['--role']);
    expect(complete('tsmesos up --role a')).toEqual(['agent', 'all']);
  });

  it('systemd-analyze verify accepts both units', () => {
    const r = sh('systemd-analyze', ['verify', '/lib/systemd/system/tsmesos.service', '/lib/systemd/system/tsmesos-agent.service'], { allowFail: true });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const unit = fs.readFileSync('/lib/systemd/system/tsmesos.service', 'utf8');
    for (const l of ['Type=notify', 'NotifyAccess=all', 'User=tsmesos', 'Restart=on-failure', 'LimitNOFILE=65536', 'EnvironmentFile=/etc/tsmesos/tsmesos.conf', 'Environment=TSMESOS_CACHE_DIR=/var/lib/tsmesos/cache']) expect(unit).toContain(l);
    const agent = fs.readFileSync('/lib/systemd/system/tsmesos-agent.service', 'utf8');
    expect(agent).not.toMatch(/^User=/m);
    expect(agent).toContain('EnvironmentFile=/etc/tsmesos/agent.conf');
  });

  it('the installed /usr/bin/tsmesos runs `up --role all`: /health answers and a task runs', async () => {
    const home = tempDir();
    const [masterPort, agentPort] = [await freePort(), await freePort()];
    const p = run(['up', '--role', 'all', '--data-dir', path.join(home, 'data'), '--port', String(masterPort), '--agent-port', String(agentPort)], {
      cmd: '/usr/bin/tsmesos', cwd: home, env: { PATH: '/usr/bin:/bin', HOME: home },
    });
    const master = `http://127.0.0.1:${masterPort}`;
    await waitForActiveAgent(master, 30_000).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${p.output()}`);
    });
    expect((await getJson(`${master}/health`)).status).toBe(200);
    expect((await getJson(`http://127.0.0.1:${agentPort}/health`)).status).toBe(200);

    const s = new V1Scheduler(master);
    expect((await s.subscribe({ user: 'root', name: 'packaged' })).type).toBe('SUBSCRIBED');
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    const accepted = await s.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'hello', task_id: { value: 'hello' }, agent_id: offer.agent_id, command: { shell: true, value: 'echo from the package' },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
        }] } }],
      },
    });
    expect(accepted.status).toBe(202);
    const states: string[] = [];
    while (states.at(-1) !== 'TASK_FINISHED') {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'hello'));
      states.push(u.state);
      if (u.uuid !== undefined) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (['TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_KILLED'].includes(u.state)) throw new Error(`task ended ${u.state}: ${u.message ?? ''}`);
    }
    expect(states).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    await s.call({ type: 'TEARDOWN' });
    s.close();
    p.kill('SIGTERM');
    expect((await p.exited).code, p.output()).toBe(0);
    // It ran as root from /usr/bin with HOME set: its addon cache is under HOME, nothing under /var/lib/tsmesos changed.
    expect(fs.readdirSync(path.join(home, '.cache', 'tsmesos'))).toHaveLength(1);
  });

  it("the master runs as the tsmesos user with the unit's settings and its data dir and cache", async () => {
    const unit = fs.readFileSync('/lib/systemd/system/tsmesos.service', 'utf8');
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' };
    for (const m of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
    const conf = fs.readFileSync('/etc/tsmesos/tsmesos.conf', 'utf8');
    expect(conf.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))).toEqual([]); // all defaults
    const port = await freePort();
    env['TSMESOS_PORT'] = String(port);
    const cacheBefore = fs.readdirSync('/var/lib/tsmesos/cache');
    const p = run(['--reuid', 'tsmesos', '--regid', 'tsmesos', '--clear-groups', '/usr/bin/tsmesos', 'up'], { cmd: 'setpriv', cwd: '/', env });
    await waitFor(`the master's /health (output: ${p.output()})`, async () => ((await getJson(`http://127.0.0.1:${port}/health`)).status === 200 ? true : undefined), 30_000);
    const db = fs.readdirSync('/var/lib/tsmesos/master');
    expect(db.length).toBeGreaterThan(0);
    const uid = Number(sh('id', ['-u', 'tsmesos']).stdout.trim());
    for (const f of db) expect(fs.statSync(path.join('/var/lib/tsmesos/master', f)).uid, f).toBe(uid);
    expect(fs.readdirSync('/var/lib/tsmesos/cache')).toEqual(cacheBefore); // read from the root-owned cache, not rewritten
    p.kill('SIGTERM');
    expect((await p.exited).code, p.output()).toBe(0);
  });

  it('ships the hook `tsmesos join` will call: it writes a unit\'s settings (and enables it when systemd runs)', () => {
    const confDir = tempDir();
    for (const f of ['tsmesos.conf', 'agent.conf']) fs.copyFileSync(path.join('/etc/tsmesos', f), path.join(confDir, f));
    const r = sh('/usr/lib/tsmesos/tsmesos-service-config', ['agent', 'TSMESOS_MASTER=10.0.0.1:5050,10.0.0.2:5050', 'TSMESOS_RESOURCES=cpus:2;mem:1024'], {
      env: { PATH: '/usr/bin:/bin', TSMESOS_CONF_DIR: confDir, TSMESOS_SYSTEMD_DIR: path.join(confDir, 'no-systemd') },
    });
    expect(r.stdout).toContain('systemd is not running');
    const set = fs.readFileSync(path.join(confDir, 'agent.conf'), 'utf8').split('\n').filter((l) => /^TSMESOS_/.test(l));
    expect(set).toEqual(['TSMESOS_ROLE="agent"', 'TSMESOS_MASTER="10.0.0.1:5050,10.0.0.2:5050"', 'TSMESOS_RESOURCES="cpus:2;mem:1024"']);
    const bad = sh('/usr/lib/tsmesos/tsmesos-service-config', ['agent', 'PATH=/evil'], { env: { PATH: '/usr/bin:/bin', TSMESOS_CONF_DIR: confDir }, allowFail: true });
    expect(bad.status).toBe(2);
  });

  it('remove keeps data and conffiles; purge removes them, and leaves no file behind', () => {
    sh('apt-get', ['remove', ...APT_OPTS, 'tsmesos']);
    expect(fs.existsSync('/usr/bin/tsmesos')).toBe(false);
    expect(fs.existsSync('/etc/tsmesos/tsmesos.conf')).toBe(true);
    expect(fs.readdirSync('/var/lib/tsmesos/master').length).toBeGreaterThan(0);
    sh('apt-get', ['purge', ...APT_OPTS, 'tsmesos']);
    expect(dpkgKnows()).toBe(false);
    for (const p of ['/var/lib/tsmesos', '/etc/tsmesos', '/usr/lib/tsmesos', '/usr/share/doc/tsmesos']) expect(fs.existsSync(p), p).toBe(false);
    const after = fileList();
    // Other sessions on a shared machine may install packages meanwhile: files some installed package owns are theirs.
    const added = withoutPackagedFiles([...after].filter((f) => !before.has(f)));
    expect(added, 'files left behind').toEqual([]);
    const removed = [...before].filter((f) => !after.has(f) && f.includes('tsmesos'));
    expect(removed, 'files removed that were there before').toEqual([]);
    // The system user stays (Debian practice); installing again reuses it.
    expect(sh('getent', ['passwd', 'tsmesos']).status).toBe(0);
  });
});

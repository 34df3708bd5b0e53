import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/process.js';
import { APT_OPTS, VERSION, buildPackages, claimSystem, dpkgKnows, sh } from './helpers.js';

// The signed repositories `npm run package` writes: dist/apt/ (InRelease, Release.gpg and the public key
// tsmesos-archive-keyring.gpg for `signed-by=`) and dist/yum/ (repodata/repomd.xml.asc, the rpm, RPM-GPG-KEY-tsmesos),
// both signed by one key generated once into TSMESOS_REPO_KEY. apt runs with a private configuration (its own
// sources list, lists directory and no package cache files), so the machine's apt sources and lists are never
// read or changed; the package is installed for real, hence claimSystem (dpkg state is shared with the other
// packaging tests). Pass or fail: the package is purged, temp dirs go, and the gpg agents started for the
// test's own gpg home are stopped (afterAll).

const DEB = `tsmesos_${VERSION}_amd64.deb`;

describe('the signed apt and yum repositories', { timeout: 180_000 }, () => {
  const out = tempDir('tsmesos-pkg-');
  const keyDir = tempDir('tsmesos-pkgkey-');
  const repoKey = path.join(keyDir, 'keys', 'repo-key.asc');
  const gpgHome = tempDir('tsmesos-gpghome-');
  const apt = path.join(out, 'apt');
  const keyring = path.join(apt, 'tsmesos-archive-keyring.gpg');
  let release: (() => void) | undefined;

  /** apt-get/apt-cache options that point apt at `list` and a lists dir of its own (created under `dir`). */
  const privateApt = (dir: string, list: string): string[] => {
    const lists = path.join(dir, 'lists');
    fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
    return ['-o', `Dir::Etc::sourcelist=${list}`, '-o', 'Dir::Etc::sourceparts=-', '-o', `Dir::State::Lists=${lists}`,
      '-o', 'Dir::Cache::pkgcache=', '-o', 'Dir::Cache::srcpkgcache=', '-o', 'DPkg::Lock::Timeout=300'];
  };
  const gpg = (args: string[]): string => sh('gpg', ['--homedir', gpgHome, '--batch', '--no-tty', ...args]).stdout;
  /** The fingerprints of the primary keys in a key file (`kind` sec: secret, pub: public). */
  const fingerprints = (file: string): { kind: string; fpr: string }[] =>
    [...gpg(['--with-colons', '--show-keys', file]).matchAll(/^(sec|pub):[^\n]*\nfpr:+([0-9A-F]{40}):/gm)].map((m) => ({ kind: m[1]!, fpr: m[2]! }));
  const gpgv = (keys: string, ...files: string[]) => sh('gpgv', ['--keyring', keys, ...files], { allowFail: true });

  beforeAll(async () => {
    release = await claimSystem();
    fs.chmodSync(gpgHome, 0o700);
    // apt reads file: repositories and signed-by keyrings as its unprivileged `_apt` user (the temp dirs are 0700).
    for (const d of [path.dirname(out), out]) fs.chmodSync(d, 0o755);
  }, 400_000);

  afterAll(() => {
    const errors: string[] = [];
    const stop = sh('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: gpgHome }, allowFail: true });
    if (stop.status !== 0) errors.push(`gpgconf --kill all: ${stop.stderr}`);
    try {
      release?.();
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
  });

  it('npm run package generates the signing key once and signs Release: InRelease and Release.gpg verify with the exported keyring', () => {
    const log = buildPackages(out, 'deb', { repoKey });
    expect(log).toContain('generating the repository signing key');
    expect(fs.statSync(repoKey).mode & 0o777).toBe(0o600);
    const secret = fingerprints(repoKey);
    expect(secret.map((k) => k.kind)).toEqual(['sec']);
    expect(log).toContain(`repositories signed by ${secret[0]!.fpr}`);
    // the keyring holds that key's public half only, binary (what signed-by= takes), readable by _apt
    expect(fingerprints(keyring)).toEqual([{ kind: 'pub', fpr: secret[0]!.fpr }]);
    expect(fs.readFileSync(keyring).subarray(0, 1).toString()).not.toBe('-');
    expect(fs.statSync(keyring).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(apt).filter((f) => /key\.asc$|secring|private/.test(f))).toEqual([]);

    const releaseText = fs.readFileSync(path.join(apt, 'Release'), 'utf8');
    const inRelease = fs.readFileSync(path.join(apt, 'InRelease'), 'utf8');
    expect(inRelease.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n')).toBe(true);
    expect(inRelease).toContain(releaseText);
    const detached = gpgv(keyring, path.join(apt, 'Release.gpg'), path.join(apt, 'Release'));
    expect(detached.status, detached.stderr).toBe(0);
    expect(detached.stderr).toContain('Good signature');
    const clear = gpgv(keyring, path.join(apt, 'InRelease'));
    expect(clear.status, clear.stderr).toBe(0);
    expect(fs.readFileSync(path.join(apt, 'README'), 'utf8')).toContain(`deb [signed-by=${keyring}] file:${apt} ./`);
  });

  it('`apt-get update` with the README\'s signed-by entry (no trusted=yes) succeeds and `apt-get install tsmesos` installs from it', () => {
    // The README's command, with $PWD/dist being this test's output directory.
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const command = /^echo "(deb \[signed-by=\$PWD\/dist\/apt\/tsmesos-archive-keyring\.gpg\] file:\$PWD\/dist\/apt \.\/)" \| sudo tee \/etc\/apt\/sources\.list\.d\/tsmesos\.list$/m.exec(readme);
    expect(command, 'the README\'s signed-by sources line').not.toBeNull();
    const entry = command![1]!.replaceAll('$PWD/dist', out);
    expect(entry).not.toContain('trusted');
    const dir = path.join(out, 'apt-good');
    const list = path.join(dir, 'tsmesos.list');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(list, `${entry}\n`);
    const o = privateApt(dir, list);
    const update = sh('apt-get', ['update', '-q', ...o], { allowFail: true });
    expect(update.status, update.stdout + update.stderr).toBe(0);
    expect(update.stdout + update.stderr).not.toMatch(/^(W|E):/m);
    expect(update.stdout).toContain(`file:${apt} ./ InRelease`);
    expect(sh('apt-cache', [...o, 'policy', 'tsmesos']).stdout).toContain(`Candidate: ${VERSION}`);
    sh('apt-get', ['install', ...APT_OPTS, ...o, 'tsmesos']);
    expect(sh('dpkg-query', ['-W', '-f', '${Status} ${Version}', 'tsmesos']).stdout).toBe(`install ok installed ${VERSION}`);
    expect(sh('/usr/bin/tsmesos', ['version']).stdout).toBe(`tsmesos ${VERSION}\n`);
    sh('apt-get', ['purge', ...APT_OPTS, ...o, 'tsmesos']);
    expect(dpkgKnows()).toBe(false);
  });

  it('a tampered InRelease or Release, or a repository without signatures, makes `apt-get update` refuse it', () => {
    // One byte of the signed text changed, in a copy of the repository's metadata (apt reads InRelease when there
    // is one and Release + Release.gpg only without it, so the Release case removes InRelease).
    const cases: { name: string; change: (repo: string) => void; error: RegExp }[] = [
      { name: 'InRelease', change: (r) => flipByte(path.join(r, 'InRelease')), error: /BADSIG/ },
      { name: 'Release', change: (r) => { fs.rmSync(path.join(r, 'InRelease')); flipByte(path.join(r, 'Release')); }, error: /BADSIG/ },
      { name: 'unsigned', change: (r) => { fs.rmSync(path.join(r, 'InRelease')); fs.rmSync(path.join(r, 'Release.gpg')); }, error: /is not signed/ },
    ];
    for (const c of cases) {
      const dir = path.join(out, `apt-${c.name}`);
      const repo = path.join(dir, 'apt');
      fs.mkdirSync(repo, { recursive: true, mode: 0o755 });
      for (const f of fs.readdirSync(apt)) if (f !== DEB) fs.copyFileSync(path.join(apt, f), path.join(repo, f));
      c.change(repo);
      const list = path.join(dir, 'tsmesos.list');
      fs.writeFileSync(list, `deb [signed-by=${keyring}] file:${repo} ./\n`);
      const o = privateApt(dir, list);
      const update = sh('apt-get', ['update', '-q', ...o], { allowFail: true });
      const said = update.stdout + update.stderr;
      expect(update.status, `${c.name}: ${said}`).toBe(100);
      expect(said, c.name).toMatch(c.error);
      expect(said, c.name).toMatch(new RegExp(`^E: The repository 'file:${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\./ (In)?Release' is not signed\\.$`, 'm'));
      // nothing of it reached apt's lists: tsmesos is not installable from it
      expect(sh('apt-cache', [...o, 'policy', 'tsmesos']).stdout, c.name).not.toContain('Candidate:');
      expect(fs.readdirSync(path.join(dir, 'lists')).filter((f) => f.includes('Packages')), c.name).toEqual([]);
    }
  });

  it('the yum repository: repomd.xml.asc and the rpm signed by the same key (not generated again), RPM-GPG-KEY-tsmesos imports into rpm', () => {
    const log = buildPackages(out, 'rpm', { repoKey });
    expect(log).not.toContain('generating the repository signing key');
    const yum = path.join(out, 'yum');
    const armored = path.join(yum, 'RPM-GPG-KEY-tsmesos');
    expect(fs.readFileSync(armored, 'utf8')).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
    const [apts] = fingerprints(keyring);
    expect(fingerprints(armored)).toEqual([apts]);
    const binary = path.join(out, 'rpm-key.gpg');
    gpg(['--output', binary, '--dearmor', armored]);
    const repomd = path.join(yum, 'repodata', 'repomd.xml');
    const good = gpgv(binary, `${repomd}.asc`, repomd);
    expect(good.status, good.stderr).toBe(0);
    const tampered = path.join(out, 'repomd.xml');
    fs.copyFileSync(repomd, tampered);
    flipByte(tampered);
    const bad = gpgv(binary, `${repomd}.asc`, tampered);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('BAD signature');
    const repoFile = fs.readFileSync(path.join(yum, 'tsmesos.repo'), 'utf8');
    expect(repoFile).toContain('\nrepo_gpgcheck=1\ngpgcheck=1\n');
    expect(repoFile).toContain(`\ngpgkey=file://${armored}\n`);
    // rpm takes the key (a scratch rpm database)
    const root = path.join(out, 'rpm-root');
    fs.mkdirSync(root);
    sh('rpm', ['--root', root, '--initdb']);
    sh('rpm', ['--root', root, '--import', armored]);
    const keyId = apts!.fpr.slice(-8).toLowerCase();
    expect(sh('rpm', ['--root', root, '-q', 'gpg-pubkey', '--qf', '%{VERSION}\n']).stdout).toBe(`${keyId}\n`);
    // the rpm is signed by that key: its signature checks with the key imported, and not without it
    const rpmFile = path.join(yum, `tsmesos-${VERSION}-1.x86_64.rpm`);
    const checked = sh('rpm', ['--root', root, '-K', '-v', rpmFile]);
    expect(checked.stdout).toMatch(new RegExp(`EdDSA/SHA(256|512) Signature, key ID ${keyId}: OK`));
    const empty = path.join(out, 'rpm-empty-root');
    fs.mkdirSync(empty);
    sh('rpm', ['--root', empty, '--initdb']);
    const unknown = sh('rpm', ['--root', empty, '-K', rpmFile], { allowFail: true });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stdout).toContain('SIGNATURES NOT OK');
  });
});

/** Changes one byte of the signed text: the "Label: tsmesos" line's last letter. */
function flipByte(file: string): void {
  const b = fs.readFileSync(file);
  const at = b.indexOf('Label: tsmesos\n');
  const i = at >= 0 ? at + 'Label: tsmeso'.length : b.indexOf('<revision>') + '<revision>'.length;
  if (i < 'Label'.length) throw new Error(`${file}: nothing to change`);
  b[i] = b[i] === 0x73 ? 0x53 : b[i]! ^ 0x01;
  fs.writeFileSync(file, b);
}

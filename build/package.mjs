// Packages the single executable: dist/tsmesos_<version>_amd64.deb (dpkg-deb), dist/tsmesos-<version>-1.x86_64.rpm
// (rpmbuild), a flat apt repository dist/apt/ (apt-ftparchive) and a yum repository dist/yum/ (createrepo_c).
//
//   npm run package                      build/out/tsmesos -> dist/ (npm run package runs npm run build first)
//   node build/package.mjs [--exe FILE] [--out DIR] [--formats deb,rpm] [--version V]
//
// Sources: packaging/common (units, conffiles, the service-config hook, the shared postinst part),
// packaging/deb (control, maintainer scripts), packaging/rpm (spec). The man page and the bash completion
// are generated from the executable's --help (build/cli-docs.mjs).
// Tools: dpkg-deb (dpkg), apt-ftparchive (apt-utils), rpmbuild (rpm), createrepo_c (createrepo-c), objdump (binutils),
// gpg (gnupg).
//
// Both repositories are signed (apt: InRelease and Release.gpg; yum: repodata/repomd.xml.asc and the rpm itself,
// rpmsign) with one OpenPGP key:
// the unprotected secret key in the file TSMESOS_REPO_KEY names, by default .keys/tsmesos-repo-key.asc (gitignored).
// If that file does not exist, an Ed25519 signing key is generated into it, once, with gpg in a throwaway GNUPGHOME
// (batch mode, no passphrase, no keyserver or network). Its public half is exported next to each repository:
// dist/apt/tsmesos-archive-keyring.gpg (binary, for `signed-by=`) and dist/yum/RPM-GPG-KEY-tsmesos (armored).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bashCompletion, collectHelp, manPage } from './cli-docs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'packaging');
const rel = (p) => relative(process.cwd(), p) || '.';

class PackageError extends Error {}
const fail = (step, detail) => {
  throw new PackageError(`package failed at step "${step}": ${detail}`);
};
const step = (s) => process.stdout.write(`[package] ${s}\n`);

function run(stepName, cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) fail(stepName, `cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(stepName, `${cmd} ${args.join(' ')} exited with status ${r.status}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout ?? '';
}

function needTool(tool, aptPackage) {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0) fail('checking tools', `\`${tool}\` not found (apt-get install ${aptPackage})`);
}

function parseArgs(argv) {
  const out = { exe: join(root, 'build', 'out', 'tsmesos'), out: join(root, 'dist'), formats: ['deb', 'rpm'], version: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? fail('arguments', `${a} needs a value`);
    if (a === '--exe') out.exe = resolve(next());
    else if (a === '--out') out.out = resolve(next());
    else if (a === '--formats') out.formats = next().split(',');
    else if (a === '--version') out.version = next();
    else fail('arguments', `unknown argument ${a}`);
  }
  for (const f of out.formats) if (f !== 'deb' && f !== 'rpm') fail('arguments', `unknown format ${f} (deb, rpm)`);
  return out;
}

const fill = (text, vars) => text.replace(/@([A-Z_]+)@/g, (m, k) => (k in vars ? vars[k] : fail('templates', `no value for ${m}`)));

/** Highest versioned symbol `prefix_x.y.z` an ELF file needs (objdump -T). */
function maxSymbolVersion(file, prefix) {
  const text = run('dependencies', 'objdump', ['-T', file]);
  const versions = [...text.matchAll(new RegExp(`\\b${prefix}_([0-9.]+)\\b`, 'g'))].map((m) => m[1]);
  const cmp = (a, b) => {
    const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  return versions.sort(cmp).at(-1);
}

// GCC release that first shipped a GLIBCXX symbol version (libstdc++'s ABI table).
const GLIBCXX_GCC = { '3.4.21': 5, '3.4.22': 6, '3.4.23': 7, '3.4.24': 7, '3.4.25': 8, '3.4.26': 9, '3.4.27': 9, '3.4.28': 10, '3.4.29': 11, '3.4.30': 12, '3.4.31': 13, '3.4.32': 14, '3.4.33': 14 };

/** What the executable and its embedded addon need from the C and C++ runtimes. */
function runtimeNeeds(exe) {
  const addon = join(root, 'node_modules', 'better-sqlite3', 'prebuilds', `${process.platform}-${process.arch}.node`);
  const files = [exe, ...(existsSync(addon) ? [addon] : [])];
  const max = (prefix) => files.map((f) => maxSymbolVersion(f, prefix)).filter(Boolean).sort((a, b) => (a.localeCompare(b, 'en', { numeric: true }))).at(-1);
  const glibc = max('GLIBC');
  const glibcxx = max('GLIBCXX');
  if (!glibc || !glibcxx) fail('dependencies', 'objdump found no GLIBC/GLIBCXX symbol versions');
  const gcc = GLIBCXX_GCC[glibcxx] ?? fail('dependencies', `GLIBCXX_${glibcxx}: add it to GLIBCXX_GCC in build/package.mjs`);
  return {
    deb: `libc6 (>= ${glibc}), libstdc++6 (>= ${gcc}), libgcc-s1`,
    rpm: `libc.so.6(GLIBC_${glibc})(64bit), libstdc++.so.6(GLIBCXX_${glibcxx})(64bit), libgcc_s.so.1()(64bit)`,
  };
}

function place(from, to, mode) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function write(to, text, mode = 0o644) {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, text);
  chmodSync(to, mode);
}

/** The installed tree, common to both formats but for the systemd unit directory. */
function stageTree(dest, { exe, unitDir, man, completion }) {
  rmSync(dest, { recursive: true, force: true });
  place(exe, join(dest, 'usr/bin/tsmesos'), 0o755);
  const vars = { DATADIR: '/var/lib/tsmesos', SYSCONFDIR: '/etc' };
  for (const unit of ['tsmesos.service', 'tsmesos-agent.service']) {
    write(join(dest, unitDir, unit), fill(readFileSync(join(pkgDir, 'common', unit), 'utf8'), vars));
  }
  for (const conf of ['tsmesos.conf', 'agent.conf']) place(join(pkgDir, 'common', conf), join(dest, 'etc/tsmesos', conf), 0o644);
  place(join(pkgDir, 'common', 'tsmesos-service-config'), join(dest, 'usr/lib/tsmesos/tsmesos-service-config'), 0o755);
  write(join(dest, 'usr/share/man/man1/tsmesos.1.gz'), gzipSync(man, { level: 9 }));
  write(join(dest, 'usr/share/bash-completion/completions/tsmesos'), completion);
  write(join(dest, 'usr/share/doc/tsmesos/copyright'), [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: tsmesos',
    '',
    'Files: *',
    'License: Apache-2.0',
    ' The executable embeds Node.js (MIT and others), better-sqlite3 and SQLite (MIT, public domain),',
    ' commander, hono, zod and pidusage (MIT); see their packages for the full texts.',
    ' On Debian systems the Apache 2.0 license is in /usr/share/common-licenses/Apache-2.0.',
    '',
  ].join('\n'));
}

function duKiB(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += statSync(p).size;
    }
  };
  walk(dir);
  return Math.ceil(total / 1024);
}

/** Hard link (the files are 100+ MB), else copy. */
function linkOrCopy(from, to) {
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The default place of the repository signing key (gitignored); TSMESOS_REPO_KEY overrides it. */
const DEFAULT_REPO_KEY = join(root, '.keys', 'tsmesos-repo-key.asc');
const KEY_UID = 'tsmesos repository signing key (generated by npm run package)';

/**
 * Stops the gpg-agent of a GNUPGHOME and deletes it. `gpgconf --kill` returns before the agent has
 * exited, and an agent still finishing a write recreated files in a deleted home (seen in CI): the
 * directory is removed again until it stays gone.
 */
function removeGpgHome(home, env) {
  spawnSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0, goneFor = 0; i < 50 && goneFor < 3; i++) {
    if (existsSync(home)) {
      rmSync(home, { recursive: true, force: true });
      goneFor = 0;
    } else {
      goneFor++;
    }
    Atomics.wait(pause, 0, 0, 100);
  }
}

/**
 * A throwaway GNUPGHOME holding the repository signing key, created from the key file or, when there is none,
 * by generating the key and writing the file (0600, never overwritten: a concurrent run's key wins and is used).
 * `close()` stops the gpg-agent it started and deletes the directory.
 */
function openSigner(keyFile) {
  const home = mkdtempSync(join(tmpdir(), 'tsmesos-gpg-'));
  chmodSync(home, 0o700);
  // No keyserver, no key lookups: nothing here may touch the network.
  writeFileSync(join(home, 'gpg.conf'), 'no-auto-key-retrieve\nno-auto-key-locate\nno-greeting\n');
  const env = { ...process.env, GNUPGHOME: home, LC_ALL: 'C' };
  const gpg = (stepName, args, opts = {}) => run(stepName, 'gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, ...opts });
  const close = () => removeGpgHome(home, env);
  try {
    if (!existsSync(keyFile)) {
      step(`generating the repository signing key into ${rel(keyFile)}`);
      const gen = mkdtempSync(join(tmpdir(), 'tsmesos-gpg-'));
      const genEnv = { ...env, GNUPGHOME: gen };
      try {
        chmodSync(gen, 0o700);
        writeFileSync(join(gen, 'gpg.conf'), 'no-auto-key-retrieve\nno-auto-key-locate\n');
        run('signing key', 'gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-generate-key', KEY_UID, 'ed25519', 'sign', 'never'], { env: genEnv });
        const secret = run('signing key', 'gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys'], { env: genEnv });
        mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
        const tmp = `${keyFile}.${process.pid}.tmp`;
        writeFileSync(tmp, secret, { mode: 0o600 });
        try {
          linkSync(tmp, keyFile);
        } catch (e) {
          if (e?.code !== 'EEXIST') throw e;
        } finally {
          rmSync(tmp, { force: true });
        }
      } finally {
        removeGpgHome(gen, genEnv);
      }
    }
    gpg('signing key', ['--import', keyFile]);
    const listed = gpg('signing key', ['--with-colons', '--list-secret-keys']);
    const fpr = /^sec:[^\n]*\nfpr:(?::*)([0-9A-F]{40}):/m.exec(listed)?.[1];
    if (!fpr) fail('signing key', `${rel(keyFile)} holds no OpenPGP secret key`);
    const sign = (stepName, args) => gpg(stepName, ['--local-user', fpr, '--digest-algo', 'SHA512', '--yes', ...args]);
    return {
      fingerprint: fpr,
      /** InRelease (clearsigned) and Release.gpg (detached, armored) of an apt Release file. */
      signRelease(release) {
        sign('apt signature', ['--clearsign', '--output', join(dirname(release), 'InRelease'), release]);
        sign('apt signature', ['--armor', '--detach-sign', '--output', `${release}.gpg`, release]);
      },
      /** Signs an rpm in place (rpmsign --addsign, its header signature). */
      signRpm(file) {
        run('rpm signature', 'rpmsign', ['--addsign', '--define', `_gpg_name ${fpr}`, '--define', '__gpg /usr/bin/gpg', '--define', `_gpg_path ${home}`, file], { env });
      },
      /** FILE.asc, a detached armored signature (what dnf's repo_gpgcheck reads for repomd.xml). */
      detachSign(file) {
        sign('yum signature', ['--armor', '--detach-sign', '--output', `${file}.asc`, file]);
      },
      exportPublic(to, { armor }) {
        gpg('public key', [...(armor ? ['--armor'] : []), '--export-options', 'export-minimal', '--output', to, '--yes', '--export', fpr]);
        chmodSync(to, 0o644);
      },
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}

function buildDeb({ work, out, version, docs, exe, needs }) {
  const stage = join(work, 'deb');
  stageTree(stage, { exe, unitDir: 'lib/systemd/system', ...docs });
  const setup = readFileSync(join(pkgDir, 'common', 'setup.sh'), 'utf8').trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
  const vars = { VERSION: version, INSTALLED_SIZE: String(duKiB(stage)), DEPENDS: needs.deb, SETUP: setup };
  write(join(stage, 'DEBIAN/control'), fill(readFileSync(join(pkgDir, 'deb', 'control.in'), 'utf8'), vars));
  write(join(stage, 'DEBIAN/conffiles'), '/etc/tsmesos/tsmesos.conf\n/etc/tsmesos/agent.conf\n');
  for (const s of ['postinst', 'prerm', 'postrm']) write(join(stage, 'DEBIAN', s), fill(readFileSync(join(pkgDir, 'deb', s), 'utf8'), vars), 0o755);
  for (const s of ['postinst', 'prerm', 'postrm']) run('deb scripts', 'sh', ['-n', join(stage, 'DEBIAN', s)]);
  const deb = join(out, `tsmesos_${version}_amd64.deb`);
  // gzip (39.5 MB, a few seconds): xz gives 28.7 MB but took 80 s of CPU on the CI machine, on every build and
  // in every packaging test; zstd (39.9 MB) is no smaller and older dpkg versions cannot read it.
  run('dpkg-deb', 'dpkg-deb', ['--build', '--root-owner-group', '-Zgzip', '-z6', stage, deb]);
  return deb;
}

function aptRepo({ out, deb, signer }) {
  const repo = join(out, 'apt');
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  linkOrCopy(deb, join(repo, deb.split('/').at(-1)));
  // A flat repository (`deb [signed-by=DIR/tsmesos-archive-keyring.gpg] file:DIR ./`): Packages, Packages.gz,
  // Release and its signatures InRelease and Release.gpg in DIR.
  const packages = run('apt-ftparchive', 'apt-ftparchive', ['packages', '.'], { cwd: repo });
  writeFileSync(join(repo, 'Packages'), packages);
  writeFileSync(join(repo, 'Packages.gz'), gzipSync(packages, { level: 9 }));
  const release = run('apt-ftparchive', 'apt-ftparchive', [
    '-o', 'APT::FTPArchive::Release::Origin=tsmesos', '-o', 'APT::FTPArchive::Release::Label=tsmesos',
    '-o', 'APT::FTPArchive::Release::Suite=stable', '-o', 'APT::FTPArchive::Release::Architectures=amd64',
    'release', '.',
  ], { cwd: repo });
  writeFileSync(join(repo, 'Release'), release);
  signer.signRelease(join(repo, 'Release'));
  const keyring = join(repo, 'tsmesos-archive-keyring.gpg');
  signer.exportPublic(keyring, { armor: false });
  writeFileSync(join(repo, 'README'), [
    `A flat apt repository of tsmesos, signed by the OpenPGP key ${signer.fingerprint}`,
    '(tsmesos-archive-keyring.gpg here; apt reads file: repositories and the keyring as its _apt user,',
    'so this directory must be readable by others).',
    '',
    `  echo "deb [signed-by=${keyring}] file:${repo} ./" > /etc/apt/sources.list.d/tsmesos.list`,
    '  apt update && apt install tsmesos',
    '',
    'Served over HTTP instead, copy the keyring to /usr/share/keyrings/ and use the URL in place of file:DIR',
    '(deb [signed-by=/usr/share/keyrings/tsmesos-archive-keyring.gpg] http://host/apt ./).',
    '',
  ].join('\n'));
  return repo;
}

function buildRpm({ work, out, version, docs, exe, needs, signer }) {
  const stage = join(work, 'rpm-root');
  stageTree(stage, { exe, unitDir: 'usr/lib/systemd/system', ...docs });
  const top = join(work, 'rpmbuild');
  rmSync(top, { recursive: true, force: true });
  for (const d of ['SPECS', 'RPMS', 'BUILD', 'BUILDROOT', 'SRPMS', 'SOURCES']) mkdirSync(join(top, d), { recursive: true });
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = epoch ? new Date(Number(epoch) * 1000) : new Date();
  const changelogDate = date.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+).*$/, '$1 $3 $2 $4');
  const vars = {
    VERSION: version, STAGE: stage, REQUIRES: needs.rpm, CHANGELOG_DATE: changelogDate,
    SETUP: readFileSync(join(pkgDir, 'common', 'setup.sh'), 'utf8').trimEnd(),
    // gzip level 6, as for the deb (see buildDeb).
    PAYLOAD: 'w6.gzdio',
  };
  const spec = join(top, 'SPECS', 'tsmesos.spec');
  writeFileSync(spec, fill(readFileSync(join(pkgDir, 'rpm', 'tsmesos.spec.in'), 'utf8'), vars));
  run('rpmbuild', 'rpmbuild', ['-bb', '--quiet', '--target', 'x86_64', '--define', `_topdir ${top}`, '--define', '_rpmdir %{_topdir}/RPMS', spec]);
  const built = join(top, 'RPMS', 'x86_64', `tsmesos-${version}-1.x86_64.rpm`);
  if (!existsSync(built)) fail('rpmbuild', `${rel(built)} was not produced`);
  signer.signRpm(built);
  const rpm = join(out, `tsmesos-${version}-1.x86_64.rpm`);
  linkOrCopy(built, rpm);
  rmSync(top, { recursive: true, force: true });
  return rpm;
}

function yumRepo({ out, rpm, signer }) {
  const repo = join(out, 'yum');
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  linkOrCopy(rpm, join(repo, rpm.split('/').at(-1)));
  run('createrepo_c', 'createrepo_c', ['--quiet', '--no-database', repo]);
  signer.detachSign(join(repo, 'repodata', 'repomd.xml'));
  const key = join(repo, 'RPM-GPG-KEY-tsmesos');
  signer.exportPublic(key, { armor: true });
  writeFileSync(join(repo, 'tsmesos.repo'), [
    '[tsmesos]',
    'name=tsmesos',
    `baseurl=file://${repo}`,
    'enabled=1',
    '# the repository metadata (repodata/repomd.xml.asc) and the rpm are signed by the key below',
    'repo_gpgcheck=1',
    'gpgcheck=1',
    `gpgkey=file://${key}`,
    '',
  ].join('\n'));
  return repo;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = args.version ?? pkg.version;
  step('checking tools');
  needTool('objdump', 'binutils');
  if (args.formats.includes('deb')) {
    needTool('dpkg-deb', 'dpkg');
    needTool('apt-ftparchive', 'apt-utils');
  }
  if (args.formats.includes('rpm')) {
    needTool('rpmbuild', 'rpm');
    needTool('createrepo_c', 'createrepo-c');
    needTool('rpmsign', 'rpm');
  }
  needTool('gpg', 'gnupg');
  if (!existsSync(args.exe)) fail('checking the executable', `${rel(args.exe)} is missing: run npm run build`);
  const said = run('checking the executable', args.exe, ['version'], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } }).trim();
  if (said !== `tsmesos ${version}`) fail('checking the executable', `${rel(args.exe)} says "${said}", packaging version ${version}`);

  mkdirSync(args.out, { recursive: true });
  const work = join(args.out, '.work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  step('man page and bash completion from --help');
  const doc = collectHelp(args.exe);
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = (epoch ? new Date(Number(epoch) * 1000) : new Date()).toISOString().slice(0, 10);
  const docs = { man: manPage(doc, { version, date }), completion: bashCompletion(doc) };
  const needs = runtimeNeeds(args.exe);
  const made = [];
  let signer;
  try {
    signer = openSigner(resolve(process.env.TSMESOS_REPO_KEY || DEFAULT_REPO_KEY));
    step(`repositories signed by ${signer.fingerprint}`);
    if (args.formats.includes('deb')) {
      step('deb');
      const deb = buildDeb({ work, out: args.out, version, docs, exe: args.exe, needs });
      made.push(deb, aptRepo({ out: args.out, deb, signer }));
    }
    if (args.formats.includes('rpm')) {
      step('rpm');
      const rpm = buildRpm({ work, out: args.out, version, docs, exe: args.exe, needs, signer });
      made.push(rpm, yumRepo({ out: args.out, rpm, signer }));
    }
  } finally {
    signer?.close();
    rmSync(work, { recursive: true, force: true });
  }
  for (const m of made) {
    const st = statSync(m);
    process.stdout.write(`[package] ok: ${rel(m)}${st.isFile() ? ` ${(st.size / 1024 / 1024).toFixed(1)} MB` : '/'}\n`);
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`\n${e instanceof PackageError ? e.message : `package failed: ${e?.stack ?? e}`}\n`);
  process.exit(1);
}

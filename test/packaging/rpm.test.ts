import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/process.js';
import { VERSION, buildPackages, packagedFiles, requireRoot, sh } from './helpers.js';

// The rpm, on a Debian machine: built with rpmbuild (apt-get install rpm), its file list, config files,
// dependencies and scriptlets read with rpm -qp, then installed into (and erased from) a scratch root with
// `rpm --root`. That scratch root is an empty directory, not a system: `--nodeps` because its rpm database
// knows no libc, and `--noscripts` because it has no /bin/sh, useradd or systemctl for %pre/%post to run.
// The scriptlets are the deb's (packaging/common/setup.sh), which test/packaging/deb.test.ts runs for real.

const RPM = `tsmesos-${VERSION}-1.x86_64.rpm`;

describe('the rpm package', { timeout: 120_000 }, () => {
  const out = tempDir('tsmesos-pkg-');
  const rpm = path.join(out, RPM);

  beforeAll(requireRoot);

  it('builds the rpm and a yum repository', () => {
    buildPackages(out, 'rpm');
    expect(fs.existsSync(rpm)).toBe(true);
    expect(sh('rpm', ['-qp', '--queryformat', '%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}', rpm]).stdout).toBe(`tsmesos ${VERSION} 1 x86_64 Apache-2.0`);

    const repo = path.join(out, 'yum');
    expect(fs.existsSync(path.join(repo, RPM))).toBe(true);
    const repomd = fs.readFileSync(path.join(repo, 'repodata', 'repomd.xml'), 'utf8');
    const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
    expect(href).toBeDefined();
    const primary = gunzipSync(fs.readFileSync(path.join(repo, href!))).toString('utf8');
    expect(primary).toContain('<name>tsmesos</name>');
    expect(primary).toContain(`<location href="${RPM}"/>`);
    expect(fs.readFileSync(path.join(repo, 'tsmesos.repo'), 'utf8')).toContain(`baseurl=file://${repo}\n`);
  });

  it('rpm -qlp: the file list, config files and dependencies', () => {
    const files = sh('rpm', ['-qlp', rpm]).stdout.trim().split('\n');
    expect(files.sort()).toEqual([...packagedFiles('/usr/lib/systemd/system'), '/etc/tsmesos', '/usr/lib/tsmesos'].sort());
    expect(sh('rpm', ['-qcp', rpm]).stdout.trim().split('\n').sort()).toEqual(['/etc/tsmesos/agent.conf', '/etc/tsmesos/tsmesos.conf']);
    // what the embedded SQLite addon needs, which rpm cannot find inside the executable by itself
    const requires = sh('rpm', ['-qp', '--requires', rpm]).stdout;
    expect(requires).toMatch(/^libstdc\+\+\.so\.6\(GLIBCXX_3\.4\.\d+\)\(64bit\)$/m);
    expect(requires).toMatch(/^libc\.so\.6\(GLIBC_2\.\d+\)\(64bit\)$/m);
    // the posix containerizer's task supervisor (src/containerizer/posix-shim.ts)
    expect(requires).toMatch(/^\/usr\/bin\/perl$/m);
  });

  it('rpm -qp --scripts: user and directories in %pre/%post, units stopped on erase only', () => {
    const scripts = sh('rpm', ['-qp', '--scripts', rpm]).stdout;
    expect(scripts).toMatch(/preinstall scriptlet[\s\S]*groupadd --system tsmesos/);
    expect(scripts).toMatch(/postinstall scriptlet[\s\S]*useradd --system --gid tsmesos/);
    expect(scripts).toContain('install -d -m 0750 -o tsmesos -g tsmesos /var/lib/tsmesos/master');
    expect(scripts).toContain('TSMESOS_CACHE_DIR=/var/lib/tsmesos/cache /usr/bin/tsmesos selfcheck');
    expect(scripts).toMatch(/preuninstall scriptlet[\s\S]*if \[ "\$1" -eq 0 \][\s\S]*systemctl disable --now tsmesos\.service tsmesos-agent\.service/);
    expect(scripts).toMatch(/postuninstall scriptlet/);
    // the scriptlets are valid sh
    for (const body of scripts.split(/^\S.*scriptlet.*:$/m).filter((b) => b.trim() !== '')) {
      const r = sh('sh', ['-n', '-c', body], { allowFail: true });
      expect(r.status, body).toBe(0);
    }
  });

  it('installs into a scratch root with rpm --root (--nodeps --noscripts) and erases cleanly', () => {
    const root = tempDir();
    sh('rpm', ['--root', root, '--initdb']);
    sh('rpm', ['--root', root, '-i', '--nodeps', '--noscripts', '--nosignature', rpm]);
    expect(sh('rpm', ['--root', root, '-q', 'tsmesos']).stdout.trim()).toBe(`tsmesos-${VERSION}-1.x86_64`);
    for (const f of packagedFiles('/usr/lib/systemd/system')) expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    // the installed executable works, so rpmbuild did not strip it (run from the host: the scratch root has no libc)
    expect(sh(path.join(root, 'usr/bin/tsmesos'), ['version'], { env: { PATH: '/usr/bin:/bin', HOME: root } }).stdout).toBe(`tsmesos ${VERSION}\n`);
    const unit = fs.readFileSync(path.join(root, 'usr/lib/systemd/system/tsmesos.service'), 'utf8');
    expect(unit).toContain('Type=notify');
    expect(unit).toContain('ExecStart=/usr/bin/tsmesos up');
    expect(sh('rpm', ['--root', root, '-V', '--nodeps', '--nouser', '--nogroup', 'tsmesos'], { allowFail: true }).stdout).toBe('');
    sh('rpm', ['--root', root, '-e', '--nodeps', '--noscripts', 'tsmesos']);
    for (const f of [...packagedFiles('/usr/lib/systemd/system'), '/etc/tsmesos', '/usr/lib/tsmesos']) expect(fs.existsSync(path.join(root, f)), f).toBe(false);
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/process.js';

// Shared by the packaging tests. They install packages system-wide (that is what they prove), so
// they need root; they fail with this reason otherwise instead of skipping.

export const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the packaging tests install and purge the tsmesos package on this machine, so they need root (CI runs scripts/test-all.sh as root); they are not skipped');
  }
}

export interface Ran { status: number | null; stdout: string; stderr: string }

/** Runs a command; throws with its output unless it exits 0 (or `allowFail`). */
export function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean; timeoutMs?: number } = {}): Ran {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd, env: opts.env ?? { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0 && opts.allowFail !== true) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `node build/package.mjs` of the already built build/out/tsmesos into `out`. The repositories' signing key is
 * `repoKey` (generated there if missing), by default a key in `out` itself: tests never use or create the
 * checkout's own .keys/.
 */
export function buildPackages(out: string, formats: string, opts: { exe?: string; version?: string; repoKey?: string } = {}): string {
  const extra = [...(opts.exe !== undefined ? ['--exe', opts.exe] : []), ...(opts.version !== undefined ? ['--version', opts.version] : [])];
  const env = { ...process.env, TSMESOS_REPO_KEY: opts.repoKey ?? path.join(out, 'repo-key.asc') };
  return sh(process.execPath, [path.join(REPO, 'build', 'package.mjs'), '--out', out, '--formats', formats, ...extra], { cwd: REPO, env }).stdout;
}

/** Other sessions may hold the dpkg lock: wait for it rather than fail. */
export const APT_OPTS = ['-y', '-q', '-o', 'DPkg::Lock::Timeout=300', '-o', 'Dpkg::Use-Pty=0'];

/** Files the package installs, relative to /, as listed in the deb and the rpm (units differ: /lib vs /usr/lib). */
export function packagedFiles(unitDir: string): string[] {
  return [
    '/etc/tsmesos/agent.conf',
    '/etc/tsmesos/tsmesos.conf',
    `${unitDir}/tsmesos-agent.service`,
    `${unitDir}/tsmesos.service`,
    '/usr/bin/tsmesos',
    '/usr/lib/tsmesos/tsmesos-service-config',
    '/usr/share/bash-completion/completions/tsmesos',
    '/usr/share/doc/tsmesos/copyright',
    '/usr/share/man/man1/tsmesos.1.gz',
  ];
}

export const dpkgKnows = (): boolean => {
  const r = sh('dpkg-query', ['-W', '-f', '${Status}', 'tsmesos'], { allowFail: true });
  return r.status === 0 && r.stdout.trim() !== 'unknown ok not-installed' && r.stdout.trim() !== '';
};
export const dpkgVersion = (): string => sh('dpkg-query', ['-W', '-f', '${Version}', 'tsmesos']).stdout.trim();

const LOCK = '/run/lock/tsmesos-packaging-test';

/**
 * The machine-wide part of a packaging test: one at a time (a lock directory, also against another
 * run of the suite on the same machine), tsmesos not installed, and state left by tsmesos run by hand as
 * root (the default data dir is /var/lib/tsmesos) moved aside. The returned function purges the package,
 * puts that state back and releases the lock; it throws what went wrong after trying everything.
 */
export async function claimSystem(): Promise<() => void> {
  requireRoot();
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK, { recursive: false });
      fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      } catch {
        // being created or removed
      }
      let alive = true;
      if (Number.isInteger(holder)) {
        try {
          process.kill(holder, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) fs.rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${LOCK} held by pid ${holder} for 5 minutes: another packaging test runs on this machine`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  const moved: { from: string; to: string }[] = [];
  try {
    if (dpkgKnows()) throw new Error('tsmesos is already installed (or its conffiles are) on this machine: the packaging tests install and purge it themselves; purge it first (apt-get purge tsmesos)');
    for (const p of ['/var/lib/tsmesos', '/etc/tsmesos']) {
      if (fs.existsSync(p)) {
        const to = `${p}.moved-by-test-${process.pid}`;
        fs.renameSync(p, to);
        moved.push({ from: p, to });
      }
    }
  } catch (e) {
    fs.rmSync(LOCK, { recursive: true, force: true });
    throw e;
  }
  return () => {
    const errors: string[] = [];
    const attempt = (what: string, f: () => void): void => {
      try {
        f();
      } catch (e) {
        errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    attempt('purge', () => {
      if (dpkgKnows()) sh('apt-get', ['purge', ...APT_OPTS, 'tsmesos']);
    });
    for (const m of moved.reverse()) {
      attempt(`restore ${m.from}`, () => {
        fs.rmSync(m.from, { recursive: true, force: true });
        fs.renameSync(m.to, m.from);
      });
    }
    fs.rmSync(LOCK, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`packaging test cleanup failed:\n${errors.join('\n')}`);
  };
}

/** The `Environment=` settings of an installed unit, as systemd would pass them (with PATH). */
export function unitEnv(unit: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' };
  for (const m of fs.readFileSync(unit, 'utf8').matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
  return env;
}

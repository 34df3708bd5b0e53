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

/** `node build/package.mjs` of the already built build/out/tsmesos into `out`. */
export function buildPackages(out: string, formats: string): string {
  return sh(process.execPath, [path.join(REPO, 'build', 'package.mjs'), '--out', out, '--formats', formats], { cwd: REPO }).stdout;
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

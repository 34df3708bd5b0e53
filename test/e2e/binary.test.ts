// End-to-end check of the single-file build (build/out/tsmesos, made by `npm run build`):
// it must run from an empty directory with no node_modules around, no Node on PATH and no
// NODE_* variables, and its embedded SQLite addon must load and work.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT = join(root, 'build', 'out', 'tsmesos');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

let dir = '';
let exe = '';

/** Minimal environment: no NODE_OPTIONS, NODE_PATH or anything else inherited. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/bin:/bin', HOME: join(dir, 'home'), LANG: 'C', ...extra };
}

function run(args: string[], extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync('./tsmesos', args, { cwd: dir, env: cleanEnv(extraEnv), encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return r;
}

function describeRun(r: SpawnSyncReturns<string>): string {
  return `status ${r.status} signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

describe('single-file binary', () => {
  beforeAll(async () => {
    if (!existsSync(BUILT)) {
      throw new Error(`${BUILT} does not exist: run \`npm run build\` first (this test checks the built binary, it does not build it)`);
    }
    dir = await mkdtemp(join(tmpdir(), 'tsmesos-e2e-'));
    // The point is to run with nothing around: no node_modules in the temp dir or any parent.
    for (let d = dir; ; d = dirname(d)) {
      if (existsSync(join(d, 'node_modules'))) throw new Error(`${d}/node_modules exists: the e2e test needs a temp dir without node_modules above it`);
      if (dirname(d) === d) break;
    }
    exe = join(dir, 'tsmesos');
    copyFileSync(BUILT, exe);
    await mkdir(join(dir, 'home'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints its version', () => {
    expect(readdirSync(dir).sort()).toEqual(['home', 'tsmesos']);
    const r = run(['version']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe(`tsmesos ${pkg.version}\n`);
    expect(r.stderr).toBe(''); // in particular no ExperimentalWarning for SEA
  });

  it('prints the same version for --version and -V', () => {
    for (const flag of ['--version', '-V']) {
      const r = run([flag]);
      expect(r.status, describeRun(r)).toBe(0);
      expect(r.stdout).toBe(`tsmesos ${pkg.version}\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('ignores NODE_OPTIONS (built with execArgvExtension "cli")', () => {
    const r = run(['version'], { NODE_OPTIONS: `--require ${join(dir, 'does-not-exist.js')}` });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe(`tsmesos ${pkg.version}\n`);
  });

  it('keeps selfcheck out of --help', () => {
    const r = run(['--help']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('version');
    expect(r.stdout).not.toContain('selfcheck');
  });

  it('runs SQLite from the embedded addon, extracting it once to the cache dir', () => {
    const cache = join(dir, 'xdg-cache');
    const env = { XDG_CACHE_HOME: cache };
    const first = run(['selfcheck', '--data-dir', join(dir, 'data')], env);
    expect(first.status, describeRun(first)).toBe(0);
    expect(first.stdout).toMatch(/^sqlite ok \d+\.\d+\.\d+\n$/);
    const files = readdirSync(join(cache, 'tsmesos'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^better_sqlite3-[0-9a-f]{16}\.node$/);

    // Second start reuses the extracted addon (and the existing database).
    const second = run(['selfcheck', '--data-dir', join(dir, 'data')], env);
    expect(second.status, describeRun(second)).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(readdirSync(join(cache, 'tsmesos'))).toEqual(files);
  });

  it('uses $TSMESOS_CACHE_DIR first (the packaged units set /var/lib/tsmesos/cache)', () => {
    const cache = join(dir, 'tsmesos-cache');
    const xdg = join(dir, 'xdg-unused');
    const r = run(['selfcheck', '--data-dir', join(dir, 'data3')], { TSMESOS_CACHE_DIR: cache, XDG_CACHE_HOME: xdg });
    expect(r.status, describeRun(r)).toBe(0);
    expect(readdirSync(cache)).toEqual([expect.stringMatching(/^better_sqlite3-[0-9a-f]{16}\.node$/)]);
    expect(existsSync(xdg)).toBe(false);
  });

  it('falls back to the temp dir when the cache dir is unusable', async () => {
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const r = run(['selfcheck', '--data-dir', join(dir, 'data2')], { XDG_CACHE_HOME: blocker, TMPDIR: tmp });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^sqlite ok /);
    const uid = process.getuid?.() ?? 'user';
    expect(readdirSync(join(tmp, `tsmesos-${uid}`))).toEqual([expect.stringMatching(/^better_sqlite3-[0-9a-f]{16}\.node$/)]);
  });

  it('runs `up --role all` from the empty directory: a master with a registered agent, clean SIGTERM exit', async () => {
    const { spawn } = await import('node:child_process');
    const { freePort, waitFor, getJson } = await import('../helpers/process.js');
    const masterPort = await freePort();
    const agentPort = await freePort();
    const child = spawn('./tsmesos', ['up', '--role', 'all', '--data-dir', join(dir, 'cluster'), '--port', String(masterPort), '--agent-port', String(agentPort)], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const state = await waitFor('an active agent', async () => {
        const s = (await getJson(`http://127.0.0.1:${masterPort}/master/state`)).body as { slaves?: { active: boolean }[] };
        return s.slaves?.some((a) => a.active) === true ? s : undefined;
      }, 30_000);
      expect(state.slaves).toHaveLength(1);
      // The agent serves /state once it has read its SUBSCRIBED, a moment after the master admitted it (503 until then).
      await waitFor('the agent to know its id', async () => ((await getJson(`http://127.0.0.1:${agentPort}/state`)).status === 200 ? true : undefined), 30_000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
  });
});

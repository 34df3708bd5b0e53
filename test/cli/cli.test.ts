import { describe, expect, it } from 'vitest';
import { freePort, startAllInOne, tempDir, tsmesos, waitFor } from '../helpers/process.js';

// The CLI contract as a user meets it: exit codes and one-line errors (built executable).

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const p = tsmesos(args, { env: { ...process.env, ...env } });
  const { code } = await p.exited;
  return { code, out: p.output() };
}

describe('tsmesos CLI', () => {
  it('version', async () => {
    const r = await cli(['version']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^tsmesos \d+\.\d+\.\d+/);
  });

  it('--version and -V print the same as `version`', async () => {
    const version = await cli(['version']);
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.out, flag).toBe(version.out);
    }
  });

  it('--help on every command', async () => {
    for (const args of [['--help'], ['up', '--help'], ['status', '--help'], ['version', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out).toMatch(/Usage:/);
    }
    const up = await cli(['up', '--help']);
    for (const flag of ['--role', '--data-dir', '--ip', '--port', '--master', '--resources', '--attributes', '--containerizers', '--log-level', '--config']) expect(up.out).toContain(flag);
  });

  it.each([
    [['up', '--role', 'boss'], /--role 'boss'.*master, agent, all/],
    [['up', '--role', 'all', '--port', 'eighty'], /--port 'eighty'/],
    [['up', '--role', 'all', '--resources', 'cpus:[1-2]'], /--resources/],
    [['up', '--role', 'all', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command/],
    [['status', '--master', 'ftp://x'], /--master/],
    [['masters', 'add', 'nonsense'], /expected IP:PORT/],
    [['masters', 'frob'], /unknown masters action 'frob'/],
    [['masters', 'remove'], /expected IP:PORT/],
    [['recover', '--data-dir', '/tmp'], /--force-new-cluster is required/],
    [['up', '--role', 'agent', '--master', '127.0.0.1:5050', '--containerizers', 'podman'], /^tsmesos: invalid --containerizers 'podman' \(from the command line\): expected a list of posix, docker/],
    [['up', '--role', 'all', '--isolation', 'cgroups/cpu,posix/cpu'], /^tsmesos: invalid --isolation 'cgroups\/cpu,posix\/cpu' \(from the command line\): isolates cpu twice/],
  ])('%j exits 2 with a one-line message', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(message);
  });

  it.each([
    [{ TSMESOS_LOG_LEVEL: 'loud' }, ['up', '--role', 'all'], /^tsmesos: invalid --log-level 'loud' \(from the environment variable TSMESOS_LOG_LEVEL\): expected one of debug, info, warn, error\n$/],
    [{ TSMESOS_CONTAINERIZERS: 'posix,lxc' }, ['up', '--role', 'all'], /^tsmesos: invalid --containerizers 'posix,lxc' \(from the environment variable TSMESOS_CONTAINERIZERS\): expected a list of posix, docker/],
    [{ TSMESOS_MASTER: 'ftp://x' }, ['status'], /^tsmesos: invalid --master 'ftp:\/\/x' \(from the environment variable TSMESOS_MASTER\)/],
  ])('a bad value from the environment %j exits 2 naming the variable', async (env, args, message) => {
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(message);
  });

  it('a clean SIGTERM stop ends with a "stopped" line; a one-member cluster does not try a leadership transfer', async () => {
    const { proc } = await startAllInOne(tempDir());
    proc.kill('SIGTERM');
    const { code } = await proc.exited;
    const lines = proc.output().trimEnd().split('\n');
    expect(code, proc.output()).toBe(0);
    expect(lines.at(-1), proc.output()).toMatch(/ INFO \[tsmesos\] stopped \{"signal":"SIGTERM"\}$/);
    expect(proc.output()).not.toMatch(/leadership transfer/);
  });

  it('a clean SIGINT stop of a one-member --role master ends with "stopped" and no transfer attempt', async () => {
    const port = await freePort();
    const proc = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--port', String(port)]);
    await waitFor('the master to lead', () => (/elected leading master/.test(proc.output()) ? true : undefined), 30_000);
    proc.kill('SIGINT');
    const { code } = await proc.exited;
    expect(code, proc.output()).toBe(0);
    expect(proc.output().trimEnd().split('\n').at(-1), proc.output()).toMatch(/ INFO \[tsmesos\] stopped \{"signal":"SIGINT"\}$/);
    expect(proc.output()).not.toMatch(/leadership transfer/);
  });

  it('status reports a clear error when no master answers', async () => {
    const r = await cli(['status', '--master', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cannot reach the master/);
  });
});

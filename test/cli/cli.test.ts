import { describe, expect, it } from 'vitest';
import { tsmesos } from '../helpers/process.js';

// The CLI contract as a user meets it: exit codes and one-line errors (built executable).

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = tsmesos(args);
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
  ])('%j exits 2 with a one-line message', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(message);
  });

  it('status reports a clear error when no master answers', async () => {
    const r = await cli(['status', '--master', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cannot reach the master/);
  });
});

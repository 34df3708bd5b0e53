import { describe, expect, it } from 'vitest';
import { runCliCaptured as cli } from '../helpers/cli-capture.js';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';

// `tsmesos reserve|unreserve` run in this process (runCli) against a real master and agent over
// loopback HTTP: one line each, the master's refusals are exit 1, bad usage exit 2.

const reservedEng = async (c: SimCluster): Promise<Record<string, number> | undefined> =>
  ((await (await c.fetch('/master/state')).json()) as { slaves: { reserved_resources: Record<string, Record<string, number>> }[] }).slaves[0]!.reserved_resources['eng'];

describe('tsmesos reserve / unreserve', () => {
  it('reserve and unreserve for a role through the operator API', async () => {
    const c = await simCluster();
    const m = ['--master', c.master];
    const agentId = await c.agentId();

    const reserved = await cli(['reserve', agentId, 'cpus:1;mem:128', '--role', 'eng', '--principal', 'ops', ...m]);
    expect([reserved.code, reserved.out, reserved.err]).toEqual([0, `cpus:1;mem:128 reserved for role eng on agent ${agentId}\n`, '']);
    expect(await reservedEng(c)).toMatchObject({ cpus: 1, mem: 128 });

    // The master's refusals: more than there is (409), another principal's reservation (409), an unknown agent (400).
    const tooMuch = await cli(['reserve', agentId, 'cpus:64', '--role', 'eng', ...m]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.err).toMatch(/^tsmesos reserve: master answered 409: Failed to reserve on agent .*cpus:63/);
    expect((await cli(['unreserve', agentId, 'cpus:1', '--role', 'eng', '--principal', 'someone', ...m])).err).toMatch(/answered 409/);
    expect((await cli(['reserve', 'nope', 'cpus:1', '--role', 'eng', ...m])).err).toMatch(/answered 400: No agent found/);

    const back = await cli(['unreserve', agentId, 'cpus:1;mem:128', '--role', 'eng', '--principal', 'ops', ...m]);
    expect([back.code, back.out]).toEqual([0, `cpus:1;mem:128 unreserved for role eng on agent ${agentId}\n`]);
    expect(await reservedEng(c)).toBeUndefined();
  });

  it('refuses bad resources and roles before asking the master', async () => {
    const m = ['--master', 'http://127.0.0.1:9'];
    for (const [args, message] of [
      [['reserve', 'S0', 'cpus:1', '--role', '*'], /invalid --role '\*'/],
      [['reserve', 'S0', 'cpus:1', '--role', '../x'], /invalid --role/],
      [['reserve', 'S0', 'cpus(eng):1', '--role', 'eng'], /write unreserved amounts/],
      [['reserve', 'S0', 'cpus:lots', '--role', 'eng'], /invalid resource 'cpus:lots'/],
      [['reserve', 'S0', ';', '--role', 'eng'], /no resources given/],
    ] as const) {
      const r = await cli([...args, ...m]);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.err).toMatch(message);
    }
    expect((await cli(['reserve', 'S0', 'cpus:1', ...m])).code).toBe(2); // --role is required
  });
});

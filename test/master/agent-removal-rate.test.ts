import { describe, expect, it } from 'vitest';
import { RemovalLimiter, parseRemovalRate } from '../../src/domain/removal-rate.js';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';

// Mesos's --agent_removal_rate_limit: at most N silent agents marked unreachable per duration.
// The pure limiter, the flag, and a real master on a manual clock with three silent agents.

describe('agent removal rate', () => {
  it('parses N/DURATION and spaces permits duration/N apart', () => {
    expect(parseRemovalRate('1/10mins')).toEqual({ count: 1, perMs: 600_000 });
    expect(parseRemovalRate('2/3hrs')).toEqual({ count: 2, perMs: 10_800_000 });
    for (const bad of ['', '1', '0/10mins', '1/0secs', '1/10', 'x/1mins', '1/-1mins', '-1/1mins', `1/${'9'.repeat(40)}secs`]) {
      expect(() => parseRemovalRate(bad), bad).toThrow(/not a rate/);
    }
    const l = new RemovalLimiter({ count: 2, perMs: 1000 });
    expect([l.tryAcquire(0), l.tryAcquire(1), l.tryAcquire(499), l.tryAcquire(500), l.tryAcquire(999), l.tryAcquire(1000)]).toEqual([true, false, false, true, false, true]);
    const none = new RemovalLimiter(null);
    expect([none.tryAcquire(0), none.tryAcquire(0)]).toEqual([true, true]);
    expect(resolveUpConfig({ role: 'master', agentRemovalRateLimit: '1/10mins' }, {}).agentRemovalRate).toEqual({ count: 1, perMs: 600_000 });
    expect(() => resolveUpConfig({ role: 'master', agentRemovalRateLimit: '1/never' }, {})).toThrow(/invalid --agent-removal-rate-limit/);
  });

  async function subscribeSilentAgent(c: SimCluster, n: number): Promise<void> {
    const body = { type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: `silent-${n}`, port: 5051 + n, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: `127.0.0.${10 + n}` } };
    const r = await c.fetch('/tsmesos/v1/agent', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    // It never heartbeats: hang up and stay silent.
    await r.body?.cancel();
  }

  const unreachable = async (c: SimCluster): Promise<number> => (await c.state()).unreachable_slaves;

  it('--agent-removal-rate-limit 1/10mins: three agents silent together are marked unreachable ten minutes apart', async () => {
    const c = await simCluster({ agent: false, flags: { agentPingTimeout: '3secs', maxAgentPingTimeouts: '2', agentRemovalRateLimit: '1/10mins' } });
    for (const n of [1, 2, 3]) await subscribeSilentAgent(c, n);
    await c.untilSettled('three agents', async () => ((await c.state()).slaves.length === 3 ? true : undefined));
    await c.until('the first agent marked unreachable', async () => ((await unreachable(c)) === 1 ? true : undefined), { stepMs: 1000, maxMs: 20_000 });
    const first = c.clock.monotonic();
    await c.advance(9 * 60_000);
    expect(await unreachable(c)).toBe(1);
    await c.until('the second', async () => ((await unreachable(c)) === 2 ? true : undefined), { stepMs: 1000, maxMs: 2 * 60_000 });
    expect(c.clock.monotonic() - first).toBeGreaterThanOrEqual(600_000);
    await c.until('the third', async () => ((await unreachable(c)) === 3 ? true : undefined), { stepMs: 5000, maxMs: 11 * 60_000 });
    expect(c.clock.monotonic() - first).toBeGreaterThanOrEqual(1_200_000);
  }, 60_000);

  it('without the flag, all three are marked at once', async () => {
    const c = await simCluster({ agent: false, flags: { agentPingTimeout: '3secs', maxAgentPingTimeouts: '2' } });
    for (const n of [1, 2, 3]) await subscribeSilentAgent(c, n);
    await c.until('all three unreachable', async () => ((await unreachable(c)) === 3 ? true : undefined), { stepMs: 1000, maxMs: 20_000 });
  });
});

import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';

// The master drops an agent whose connection stays open but which stops heartbeating
// (a partition the TCP stack has not noticed), while a heartbeating agent stays active.
// Real master and agent over loopback HTTP, on a manual clock: time moves only by advance()
// (and by freeze(): time passing while the master's process is frozen).

/** A hand-made agent: subscribes over the real agent channel, then never calls in again. */
function silentAgent(master: string, hostname: string): { closed(): boolean; destroy(): void } {
  let closed = false;
  const req = http.request(new URL('/tsmesos/v1/agent', master), { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
    expect(res.statusCode).toBe(200);
    res.resume();
    res.on('close', () => (closed = true));
  });
  req.on('error', () => undefined); // destroyed at the end
  req.end(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname, port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: '127.0.0.1' } }));
  return { closed: () => closed, destroy: () => req.destroy() };
}

describe('agent liveness', () => {
  it('closes the stream of a silent agent after --agent-ping-timeout x --max-agent-ping-timeouts (75 s, as Mesos), not before', async () => {
    const c = await simCluster();
    const realAgent = await c.agentId();
    const agent = silentAgent(c.master, 'silent-agent');
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      expect(c.clock.monotonic()).toBe(0);
      const active = async (id: string): Promise<boolean | undefined> => (await c.state()).slaves.find((a) => a.id === id)?.active;

      // The master checks every heartbeat interval (5 s = 15 s / 3); 75 s of silence are tolerated.
      await c.advance(75_000);
      expect(await active(silent.id)).toBe(true);
      expect(agent.closed()).toBe(false);

      // The check after that closes the stream and deactivates the agent.
      await c.advance(5_000);
      expect(await active(silent.id)).toBe(false);
      await c.untilSettled('the stream to close', () => (agent.closed() ? true : undefined));

      // The real agent heartbeats (every 5 s, over HTTP, on the same clock) and stays active for as long as time runs.
      await c.advance(300_000);
      expect(await active(realAgent)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('takes the limit from the flags: 2 x 3 s', async () => {
    const c = await simCluster({ flags: { agentPingTimeout: '3secs', maxAgentPingTimeouts: '2' } });
    const agent = silentAgent(c.master, 'silent-agent');
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      const active = async (): Promise<boolean | undefined> => (await c.state()).slaves.find((a) => a.id === silent.id)?.active;
      await c.advance(6_000); // checked every 1 s
      expect(await active()).toBe(true);
      await c.advance(1_000);
      expect(await active()).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('does not count time the master itself was frozen against its agents (better than Mesos)', async () => {
    const c = await simCluster();
    const agent = silentAgent(c.master, 'silent-agent');
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      const active = async (): Promise<boolean | undefined> => (await c.state()).slaves.find((a) => a.id === silent.id)?.active;
      await c.advance(30_000);
      // 100 s pass while the master's process does nothing (its heartbeat-interval checks fall due and run late):
      // the agent was silent for 130 s of wall time, but the master listened for only 35 s of it (30 s, and the
      // 5 s until its next check fell due).
      c.clock.freeze(100_000);
      await c.advance(0);
      expect(await active()).toBe(true);
      await c.advance(40_000); // 75 s of listening: still tolerated
      expect(await active()).toBe(true);
      await c.advance(5_000);
      expect(await active()).toBe(false);
      await c.untilSettled('the stream to close', () => (agent.closed() ? true : undefined));
    } finally {
      agent.destroy();
    }
  });
});

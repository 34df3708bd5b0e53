import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';

// The master drops an agent whose connection stays open but which stops heartbeating
// (a partition the TCP stack has not noticed), while a heartbeating agent stays active.
// Real master and agent over loopback HTTP, on a manual clock: time moves only by advance().

describe('agent liveness', () => {
  it('closes the stream of a silent agent after three missed heartbeats, not before', async () => {
    const c = await simCluster();
    const realAgent = await c.agentId();
    // A hand-made agent: subscribes over the real agent channel at t=0, then never calls in again.
    let closed = false;
    const req = http.request(new URL('/tsmesos/v1/agent', c.master), { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.resume();
      res.on('close', () => (closed = true));
    });
    req.on('error', () => undefined); // destroyed at the end
    req.end(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'silent-agent', port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: '127.0.0.1' } }));
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      expect(c.clock.monotonic()).toBe(0);
      const active = async (id: string): Promise<boolean | undefined> => (await c.state()).slaves.find((a) => a.id === id)?.active;

      // The master checks every heartbeat interval (5 s); 15 s of silence (three intervals) are tolerated.
      await c.advance(15_000);
      expect(await active(silent.id)).toBe(true);
      expect(closed).toBe(false);

      // The check after that closes the stream and deactivates the agent.
      await c.advance(5_000);
      expect(await active(silent.id)).toBe(false);
      await c.untilSettled('the stream to close', () => (closed ? true : undefined));

      // The real agent heartbeats (every 5 s, over HTTP, on the same clock) and stays active for as long as time runs.
      await c.advance(120_000);
      expect(await active(realAgent)).toBe(true);
    } finally {
      req.destroy();
    }
  });
});

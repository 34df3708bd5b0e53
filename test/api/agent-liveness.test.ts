import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { getJson, waitFor } from '../helpers/process.js';

// The master drops an agent whose connection stays open but which stops heartbeating
// (a partition the TCP stack has not noticed), while a heartbeating agent stays active.

let cluster: Awaited<ReturnType<typeof inProcessCluster>>;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(async () => {
  await cluster.stop();
});

interface Slaves { slaves: { id: string; hostname: string; active: boolean }[] }

describe('agent liveness', () => {
  it('closes the stream of a silent agent after three missed heartbeats', async () => {
    // A hand-made agent: subscribes over the real agent channel, then never calls in again.
    const url = new URL('/tsmesos/v1/agent', cluster.master);
    let closed = false;
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.resume();
      res.on('close', () => (closed = true));
    });
    req.end(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'silent-agent', port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: '127.0.0.1' } }));
    const silent = await waitFor('the silent agent registered', async () => {
      const s = (await getJson(`${cluster.master}/master/slaves`)).body as Slaves;
      return s.slaves.find((a) => a.hostname === 'silent-agent' && a.active);
    });
    const started = Date.now();
    await waitFor('the master to drop the silent agent', async () => {
      const s = (await getJson(`${cluster.master}/master/slaves`)).body as Slaves;
      return s.slaves.find((a) => a.id === silent.id)?.active === false ? true : undefined;
    }, 30_000, 250);
    expect(Date.now() - started).toBeGreaterThan(5_000); // not before the heartbeats were due
    await waitFor('the stream to close', () => (closed ? true : undefined), 5000);
    // The real agent, which heartbeats, is still active.
    const s = (await getJson(`${cluster.master}/master/slaves`)).body as Slaves;
    expect(s.slaves.filter((a) => a.id !== silent.id).every((a) => a.active)).toBe(true);
    req.destroy();
  });
});

// Constraints across several agents: one master and three agents, each on its own loopback
// address with its own hostname and rack attribute (node-a, node-b on r1; node-c on r2).
// UNIQUE hostname spreads and stops at one instance per host, CLUSTER pins, MAX_PER caps;
// what cannot be placed waits in the launch queue instead of breaking the constraint.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startMaster } from '../../src/roles/master.js';
import { startAgent } from '../../src/roles/agent.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, stopAtEnd, tempDir, waitFor } from '../helpers/process.js';

// 127.0.6.x: other cluster tests use 127.0.1.x and 127.0.3.x.
const MASTER_IP = '127.0.6.1';
const AGENTS = [
  { ip: '127.0.6.2', hostname: 'node-a', rack: 'r1' },
  { ip: '127.0.6.3', hostname: 'node-b', rack: 'r1' },
  { ip: '127.0.6.4', hostname: 'node-c', rack: 'r2' },
];
let master = '';

beforeAll(async () => {
  const root = tempDir('tsmesos-constraints-');
  const port = String(await freePort());
  const m = await startMaster(resolveUpConfig({ role: 'master', ip: MASTER_IP, port, dataDir: path.join(root, 'master'), marathonPort: '0', agentTls: 'optional' }, {}), silentLogger);
  stopAtEnd(() => m.stop());
  for (const a of AGENTS) {
    const config = resolveUpConfig({
      role: 'agent', ip: a.ip, port: String(await freePort()), hostname: a.hostname, master: `${MASTER_IP}:${port}`,
      dataDir: path.join(root, a.hostname), resources: 'cpus:2;mem:1024;disk:1024;ports:[31400-31410]', attributes: `rack:${a.rack}`,
    }, {});
    const agent = await startAgent(config, silentLogger);
    stopAtEnd(() => agent.stop());
  }
  master = `http://${MASTER_IP}:${port}`;
  await waitFor('three active agents', async () => {
    const s = (await (await fetch(`${master}/master/state`)).json()) as { slaves?: { active: boolean }[] };
    return s.slaves?.filter((x) => x.active).length === 3 ? true : undefined;
  }, 30_000, 100);
}, 60_000);
afterAll(async () => {
  // Every task gone before the agents stop, so none is still dying while they do.
  await fetch(`${master}/v2/groups?force=true`, { method: 'DELETE' });
  await waitFor('no tasks', async () => (((await (await fetch(`${master}/v2/tasks`)).json()) as { tasks: unknown[] }).tasks.length === 0 ? true : undefined), 30_000, 100);
});

interface TaskJson { id: string; host: string; state: string }
const put = (id: string, body: unknown): Promise<Response> => fetch(`${master}/v2/apps${id}?force=true`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const tasksOf = async (id: string): Promise<TaskJson[]> => ((await (await fetch(`${master}/v2/apps${id}/tasks`)).json()) as { tasks: TaskJson[] }).tasks;
const queued = async (id: string): Promise<number> => {
  const q = ((await (await fetch(`${master}/v2/queue`)).json()) as { queue: { count: number; app: { id: string } }[] }).queue;
  return q.find((e) => e.app.id === id)?.count ?? 0;
};

/** n running tasks and `waiting` more in the queue: the state the scheduler settles in. */
async function settle(id: string, n: number, waiting: number): Promise<string[]> {
  return waitFor(`${id}: ${n} running, ${waiting} queued`, async () => {
    const t = await tasksOf(id);
    const running = t.filter((x) => x.state === 'TASK_RUNNING');
    return running.length === n && t.length === n && (await queued(id)) === waiting ? running.map((x) => x.host).sort() : undefined;
  }, 30_000, 100);
}

const app = { cmd: 'exec sleep 1000', cpus: 0.05, mem: 8 };

describe('constraints on three agents', () => {
  it('hostname UNIQUE: one instance per host; a fourth waits in the queue', async () => {
    expect((await put('/c/unique', { ...app, instances: 3, constraints: [['hostname', 'UNIQUE']] })).status).toBe(201);
    expect(await settle('/c/unique', 3, 0)).toEqual(['node-a', 'node-b', 'node-c']);
    expect((await put('/c/unique', { instances: 4 })).status).toBe(200);
    expect(await settle('/c/unique', 3, 1)).toEqual(['node-a', 'node-b', 'node-c']);
  });

  it('rack CLUSTER r2 pins every instance to node-c', async () => {
    expect((await put('/c/cluster', { ...app, instances: 3, constraints: [['rack', 'CLUSTER', 'r2']] })).status).toBe(201);
    expect(await settle('/c/cluster', 3, 0)).toEqual(['node-c', 'node-c', 'node-c']);
  });

  it('rack MAX_PER 1: one instance per rack, the third waits', async () => {
    expect((await put('/c/maxper', { ...app, instances: 3, constraints: [['rack', 'MAX_PER', '1']] })).status).toBe(201);
    const hosts = await settle('/c/maxper', 2, 1);
    expect(hosts).toContain('node-c');
    expect(hosts.filter((h) => h === 'node-a' || h === 'node-b')).toHaveLength(1);
  });
});

// Marathon's tutorial workflow against a real master + agent (in this process, real posix
// tasks, real HTTP): create an app serving HTTP on its assigned port, scale it, kill a task out
// of band and see it replaced after its backoff, delete it; then the state survives a restart.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startMaster } from '../../src/roles/master.js';
import { startAgent } from '../../src/roles/agent.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, stopAtEnd, tempDir, waitFor, waitForActiveAgent } from '../helpers/process.js';

interface TaskJson { id: string; appId: string; host: string; ports: number[]; state: string; slaveId: string; version: string }
interface AppJson { id: string; instances: number; tasksRunning: number; deployments: { id: string }[]; tasks?: TaskJson[]; version: string; cpus: number; mem: number; backoffSeconds: number }

/** A master and an agent on fixed ports and data dir; the master restarts alone (its agent and tasks keep running). */
async function node(dataDir: string, port: string, agentPort: string): Promise<{ master: string; restartMaster(): Promise<void> }> {
  const config = resolveUpConfig({ role: 'all', dataDir, port, agentPort, resources: 'cpus:2;mem:2048;disk:1024;ports:[31000-31020]', marathonPort: '0', agentTls: 'optional' }, {}); // the agent connects over plain HTTP
  let master = await startMaster(config, silentLogger);
  const agent = await startAgent({ ...config, masters: [{ host: config.ip, port: config.masterPort }] }, silentLogger);
  stopAtEnd(async () => {
    await agent.stop();
    await master.stop();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForActiveAgent(url);
  return {
    master: url,
    async restartMaster() {
      await master.stop();
      master = await startMaster(config, silentLogger);
      await waitForActiveAgent(url, 30_000);
    },
  };
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(url, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json, headers: res.headers };
}

const server = (): string => `exec ${process.execPath} -e "require('http').createServer((q,s)=>s.end('hello from '+process.env.MARATHON_APP_ID)).listen(+process.env.PORT0,'127.0.0.1')"`;

async function runningTasks(master: string, id: string, n: number): Promise<TaskJson[]> {
  return waitFor(`${n} running tasks of ${id}`, async () => {
    const r = await call('GET', `${master}/v2/apps${id}/tasks`);
    const tasks = (r.json as { tasks: TaskJson[] }).tasks;
    return tasks.length === n && tasks.every((t) => t.state === 'TASK_RUNNING') ? tasks : undefined;
  }, 30_000, 200);
}

async function answers(port: number): Promise<string> {
  return waitFor(`HTTP on port ${port}`, async () => {
    const r = await fetch(`http://127.0.0.1:${port}/`);
    return r.ok ? r.text() : undefined;
  }, 15_000, 200);
}

describe('services: the Marathon tutorial workflow', () => {
  it('creates, scales, heals, deletes an app, and keeps it across a master restart', async () => {
    const dataDir = tempDir();
    const port = String(await freePort());
    const agentPort = String(await freePort());
    const n = await node(dataDir, port, agentPort);

    const created = await call('POST', `${n.master}/v2/apps`, { id: '/prod/web', cmd: server(), cpus: 0.1, mem: 32, instances: 1, backoffSeconds: 1 });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v2/apps/prod/web');
    expect(created.headers.get('marathon-deployment-id')).toMatch(/[0-9a-f-]{36}/);
    const app = created.json as AppJson;
    expect(app).toMatchObject({ id: '/prod/web', instances: 1, cpus: 0.1, mem: 32, backoffSeconds: 1 });
    expect(app.deployments).toHaveLength(1);

    const [first] = await runningTasks(n.master, '/prod/web', 1);
    expect(first!.ports).toHaveLength(1);
    expect(first!.ports[0]).toBeGreaterThanOrEqual(31000);
    expect(await answers(first!.ports[0]!)).toBe('hello from /prod/web');
    // The start deployment finishes once the instance runs.
    await waitFor('no deployments', async () => ((await call('GET', `${n.master}/v2/deployments`)).json as unknown[]).length === 0 ? true : undefined);

    // Scale to 3: a deployment, 200 with {deploymentId, version}; the first task stays.
    const scaled = await call('PUT', `${n.master}/v2/apps/prod/web`, { instances: 3 });
    expect(scaled.status).toBe(200);
    expect(Object.keys(scaled.json as object).sort()).toEqual(['deploymentId', 'version']);
    const three = await runningTasks(n.master, '/prod/web', 3);
    expect(three.map((t) => t.id)).toContain(first!.id);
    expect(new Set(three.map((t) => t.ports[0])).size).toBe(3);
    for (const t of three) expect(await answers(t.ports[0]!)).toBe('hello from /prod/web');

    // Kill one task out of band (its process, as a crash would): it is replaced.
    const victim = three[1]!;
    const pid = await waitFor('the victim pid', () => pidListeningOn(victim.ports[0]!));
    process.kill(pid, 'SIGKILL');
    const healed = await waitFor('a replacement', async () => {
      const r = await call('GET', `${n.master}/v2/apps/prod/web/tasks`);
      const tasks = (r.json as { tasks: TaskJson[] }).tasks;
      return tasks.length === 3 && tasks.every((t) => t.state === 'TASK_RUNNING') && !tasks.some((t) => t.id === victim.id) ? tasks : undefined;
    }, 30_000, 200);
    expect(healed.filter((t) => three.some((o) => o.id === t.id))).toHaveLength(2);
    const shown = (await call('GET', `${n.master}/v2/apps/prod/web`)).json as { app: AppJson & { lastTaskFailure?: { taskId: string; timestamp: string } } };
    expect(shown.app.lastTaskFailure?.taskId).toBe(victim.id);
    // The replacement was launched no sooner than backoffSeconds after the failure was seen.
    const replacement = healed.find((t) => !three.some((o) => o.id === t.id)) as TaskJson & { stagedAt: string };
    expect(Date.parse(replacement.stagedAt) - Date.parse(shown.app.lastTaskFailure!.timestamp)).toBeGreaterThanOrEqual(1000);

    // A master restart: the app, its instances and their ids survive; nothing is killed or relaunched.
    await waitFor('no deployments', async () => ((await call('GET', `${n.master}/v2/deployments`)).json as unknown[]).length === 0 ? true : undefined);
    await n.restartMaster();
    const after = await waitFor('the app after restart', async () => {
      const r = await call('GET', `${n.master}/v2/apps/prod/web`);
      return r.status === 200 ? (r.json as { app: AppJson }).app : undefined;
    });
    expect(after.instances).toBe(3);
    const survived = await runningTasks(n.master, '/prod/web', 3);
    expect(survived.map((t) => t.id).sort()).toEqual(healed.map((t) => t.id).sort());
    const state = (await call('GET', `${n.master}/master/state`)).json as { frameworks: { name: string; tasks: unknown[]; completed_tasks?: unknown[] }[] };
    const fw = state.frameworks.find((f) => f.name === 'tsmesos-services');
    expect(fw?.tasks).toHaveLength(3);

    // Delete: 200 with a deployment; every task is killed and the app is gone.
    const deleted = await call('DELETE', `${n.master}/v2/apps/prod/web`);
    expect(deleted.status).toBe(200);
    expect(typeof (deleted.json as { deploymentId?: unknown }).deploymentId).toBe('string');
    expect((await call('GET', `${n.master}/v2/apps/prod/web`)).status).toBe(404);
    await waitFor('no tasks', async () => ((await call('GET', `${n.master}/v2/tasks`)).json as { tasks: unknown[] }).tasks.length === 0 ? true : undefined, 30_000);
    await waitFor('agent without tasks', async () => {
      const s = (await call('GET', `${n.master}/master/state`)).json as { frameworks: { tasks: { state: string }[] }[] };
      return s.frameworks.every((f) => f.tasks.every((t) => t.state !== 'TASK_RUNNING')) ? true : undefined;
    }, 30_000);
  });
});

/** The pid of the process listening on a loopback TCP port (from /proc/net/tcp and the fds of our children). */
function pidListeningOn(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inode = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/)).find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')?.[9];
  if (inode === undefined) return undefined;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of fs.readdirSync(path.join('/proc', pid, 'fd'))) {
        if (fs.readlinkSync(path.join('/proc', pid, 'fd', fd)) === `socket:[${inode}]`) return Number(pid);
      }
    } catch {
      // gone or not ours
    }
  }
  return undefined;
}

// The services scheduler across a master failover (multi-process, the real binary unless
// TSMESOS_TEST_FROM_SOURCE=1): three masters on 127.0.6.1-3, one agent on 127.0.6.9. A
// follower proxies /v2 to the leader; kill -9 of the leader during a scale-up deployment:
// the new leader finishes it, and no instance is killed or duplicated.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { freePort, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { MasterNode, servingLeader } from '../helpers/masters.js';

const MASTER_IPS = ['127.0.6.1', '127.0.6.2', '127.0.6.3'];
const AGENT_IP = '127.0.6.9';
const ELECTION_BOUND_MS = 10_000;

interface TaskJson { id: string; state: string }

describe('services across a master failover', () => {
  let masters: MasterNode[] = [];
  let agent: Proc | null = null;
  const peers = (): string[] => masters.map((m) => m.id);

  beforeAll(async () => {
    const port = await freePort();
    masters = MASTER_IPS.map((ip) => new MasterNode(ip, port));
    for (const m of masters) m.start(peers(), ['--heartbeat-interval', '100ms', '--election-timeout', '1secs', '--agent-tls', 'optional']);
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await agent?.exited;
    await Promise.all(masters.map((m) => m.kill()));
  });

  const dumpOnFailure = (): void => onTestFailed(() => {
    for (const m of masters) console.error(`--- master ${m.id} ---\n${m.output().slice(-6000)}`);
    console.error(`--- agent ---\n${agent?.output().slice(-4000) ?? ''}`);
  });

  async function tasksOf(master: MasterNode, id: string): Promise<TaskJson[] | undefined> {
    const r = await fetch(`${master.url}/v2/apps${id}/tasks`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    return r?.status === 200 ? ((await r.json()) as { tasks: TaskJson[] }).tasks : undefined;
  }

  it('a follower proxies to the leader; a deployment interrupted by kill -9 of the leader completes without killing or duplicating instances', async () => {
    dumpOnFailure();
    const leader = await servingLeader(masters, 40_000);
    const agentPort = await freePort(AGENT_IP);
    agent = tsmesos(['up', '--role', 'agent', '--ip', AGENT_IP, '--port', String(agentPort), '--data-dir', tempDir('tsmesos-svc-agent-'),
      '--master', peers().join(','), '--resources', 'cpus:2;mem:1024;disk:256;ports:[31000-31010]']);
    await waitFor('the agent registers', async () => {
      const r = await fetch(`${leader.url}/master/state`);
      return ((await r.json()) as { slaves: { active: boolean }[] }).slaves.some((a) => a.active) ? true : undefined;
    }, 40_000);

    // A follower answers with the leader's answer (proxied), saying who the leader is.
    const follower = masters.find((m) => m !== leader)!;
    const proxied = await fetch(`${follower.url}/v2/apps`, { method: 'POST', redirect: 'manual', body: '{"id":"/ha/x"}', headers: { 'Content-Type': 'application/json' } });
    expect(proxied.status).toBe(422);
    expect(proxied.headers.get('x-marathon-leader')).toBe(`http://${leader.id}`);
    expect(((await proxied.json()) as { details: { path: string }[] }).details.map((d) => d.path)).toContain('/cmd');
    const viaFollower = await fetch(`${follower.url}/v2/apps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: '/ha/via-follower', cmd: 'exec sleep 600', cpus: 0.1, mem: 16, instances: 0 }),
    });
    expect(viaFollower.status).toBe(201);
    expect(viaFollower.headers.get('location')).toBe('/v2/apps/ha/via-follower');
    expect(viaFollower.headers.get('marathon-deployment-id')).toMatch(/[0-9a-f-]{36}/);
    expect(((await (await fetch(`${follower.url}/v2/apps`)).json()) as { apps: { id: string }[] }).apps.map((a) => a.id)).toEqual(['/ha/via-follower']);
    expect(await (await fetch(`${follower.url}/ping`)).text()).toBe('pong');
    expect(((await (await fetch(`${follower.url}/v2/leader`)).json()) as { leader: string }).leader).toBe(leader.id);

    const created = await fetch(`${leader.url}/v2/apps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: '/ha/sleeper', cmd: 'exec sleep 600', cpus: 0.1, mem: 16, instances: 3 }),
    });
    expect(created.status).toBe(201);
    const before = await waitFor('3 running', async () => {
      const t = await tasksOf(leader, '/ha/sleeper');
      return t?.length === 3 && t.every((x) => x.state === 'TASK_RUNNING') ? t : undefined;
    }, 30_000, 200);
    await waitFor('the start deployment to finish', async () => {
      const r = await fetch(`${leader.url}/v2/deployments`);
      return ((await r.json()) as unknown[]).length === 0 ? true : undefined;
    }, 20_000);

    // Scale up, and kill the leader at once: the deployment is in the registry, maybe half done.
    const scaled = await fetch(`${leader.url}/v2/apps/ha/sleeper`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instances: 5 }) });
    expect(scaled.status).toBe(200);
    await leader.kill('SIGKILL');

    const survivors = masters.filter((m) => m !== leader);
    const next = await servingLeader(survivors, ELECTION_BOUND_MS * 3);
    const after = await waitFor('5 running under the new leader, deployment done', async () => {
      const t = await tasksOf(next, '/ha/sleeper');
      const d = await fetch(`${next.url}/v2/deployments`).then(async (r) => (r.status === 200 ? ((await r.json()) as unknown[]) : null)).catch(() => null);
      return t?.length === 5 && t.every((x) => x.state === 'TASK_RUNNING') && d?.length === 0 ? t : undefined;
    }, 60_000, 300);
    // None of the first three was killed or replaced.
    for (const t of before) expect(after.map((x) => x.id)).toContain(t.id);
    // The master agrees: exactly five live tasks of the services framework, no duplicates launched.
    const state = (await (await fetch(`${next.url}/master/state`)).json()) as { frameworks: { name: string; tasks: { id: string; state: string }[]; completed_tasks: { id: string }[] }[] };
    const fw = state.frameworks.find((f) => f.name === 'tsmesos-services')!;
    expect(fw.tasks.map((t) => t.id).sort()).toEqual(after.map((t) => t.id).sort());
    expect(fw.completed_tasks.filter((t) => before.some((b) => b.id === t.id))).toEqual([]);
  });
});

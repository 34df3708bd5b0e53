// A new cmd rolled out with minimumHealthCapacity 0.5 on a real master + agent: while the
// deployment runs, at least half of the instances are running in every sample; at its end every
// instance runs the new version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { waitFor } from '../helpers/process.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
beforeAll(async () => {
  cluster = await inProcessCluster({ resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31020]' });
});
afterAll(() => cluster?.stop());

interface TaskJson { id: string; state: string; version: string }

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${cluster!.master}${path}`);
  return (await r.json()) as T;
}

describe('rolling upgrade', () => {
  it('keeps at least ceil(n * minimumHealthCapacity) instances running while replacing all of them', async () => {
    const put = (body: unknown): Promise<Response> => fetch(`${cluster!.master}/v2/apps/roll/web`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ cmd: 'exec sleep 1000', cpus: 0.05, mem: 8, instances: 4, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } })).status).toBe(201);
    const v1 = await waitFor('4 running', async () => {
      const t = (await get<{ tasks: TaskJson[] }>('/v2/apps/roll/web/tasks')).tasks;
      return t.length === 4 && t.every((x) => x.state === 'TASK_RUNNING') && (await get<unknown[]>('/v2/deployments')).length === 0 ? t : undefined;
    }, 30_000, 100);

    const upgraded = await put({ cmd: 'exec sleep 1001' });
    expect(upgraded.status).toBe(200);
    const { version } = (await upgraded.json()) as { version: string };

    let minRunning = Infinity;
    let samples = 0;
    const done = await waitFor('the upgrade to finish', async () => {
      const t = (await get<{ tasks: TaskJson[] }>('/v2/apps/roll/web/tasks')).tasks;
      samples++;
      minRunning = Math.min(minRunning, t.filter((x) => x.state === 'TASK_RUNNING').length);
      const finished = t.length === 4 && t.every((x) => x.state === 'TASK_RUNNING' && x.version === version) && (await get<unknown[]>('/v2/deployments')).length === 0;
      return finished ? t : undefined;
    }, 60_000, 25);
    expect(samples).toBeGreaterThan(1);
    expect(minRunning).toBeGreaterThanOrEqual(2);
    expect(done.filter((t) => v1.some((o) => o.id === t.id))).toEqual([]);
    const app = (await get<{ app: { cmd: string; versionInfo: { lastConfigChangeAt: string } } }>('/v2/apps/roll/web')).app;
    expect(app.cmd).toBe('exec sleep 1001');
    expect(app.versionInfo.lastConfigChangeAt).toBe(version);
  });

  it('an operator tearing the services framework down: a new framework relaunches the apps', async () => {
    const put = await fetch(`${cluster!.master}/v2/apps/teardown/web`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ cmd: 'exec sleep 1000', cpus: 0.05, mem: 8 }) });
    expect(put.status).toBe(201);
    const running = async (): Promise<TaskJson[] | undefined> => {
      const t = (await get<{ tasks: TaskJson[] }>('/v2/apps/teardown/web/tasks')).tasks;
      return t.length === 1 && t[0]!.state === 'TASK_RUNNING' ? t : undefined;
    };
    const [before] = await waitFor('1 running', running, 30_000, 100);
    const oldFramework = (await get<{ frameworkId: string }>('/v2/info')).frameworkId;
    const torn = await fetch(`${cluster!.master}/master/teardown`, { method: 'POST', body: new URLSearchParams({ frameworkId: oldFramework }) });
    expect(torn.status).toBe(200);
    const [after] = await waitFor('a new instance under a new framework', async () => {
      const t = await running();
      return t && t[0]!.id !== before!.id ? t : undefined;
    }, 30_000, 100);
    expect(after).toBeDefined();
    const newFramework = (await get<{ frameworkId: string }>('/v2/info')).frameworkId;
    expect(newFramework).not.toBe(oldFramework);
    // The rolled app of the first test came back too.
    await waitFor('roll/web back to 4', async () => ((await get<{ tasks: TaskJson[] }>('/v2/apps/roll/web/tasks')).tasks.filter((t) => t.state === 'TASK_RUNNING').length === 4 ? true : undefined), 30_000, 100);
  });
});

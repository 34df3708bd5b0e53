// A container.docker app on a real master + agent with the Docker containerizer: its instances
// run as containers of the test image on the host network, serve on their assigned PORT0, and
// are removed with the app. Fails, never skips, without dockerd and tsmesos/busybox:test.
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { waitFor } from '../helpers/process.js';
import { requireDocker, TEST_IMAGE } from '../containerizer/docker-helpers.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
let docker: Docker;
beforeAll(async () => {
  docker = await requireDocker();
  cluster = await inProcessCluster({ containerizers: 'posix,docker' });
});
afterAll(() => cluster?.stop());

describe('a docker app', () => {
  it('runs 2 instances as containers serving on their ports, and removes them with the app', async () => {
    const ours = () => docker.listContainers({ all: true, filters: { label: [`tsmesos.agent=${path.join(cluster!.dataDir, 'agent')}`] } });
    const post = await fetch(`${cluster!.master}/v2/apps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: '/docker/web', cpus: 0.1, mem: 32, instances: 2,
        cmd: 'mkdir -p /tmp/www && echo "docker $MARATHON_APP_ID" > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:$PORT0 -h /tmp/www',
        container: { type: 'DOCKER', docker: { image: TEST_IMAGE, network: 'HOST' } },
      }),
    });
    expect(post.status).toBe(201);
    const tasks = await waitFor('2 running', async () => {
      const r = await fetch(`${cluster!.master}/v2/apps/docker/web/tasks`);
      const t = ((await r.json()) as { tasks: { id: string; state: string; ports: number[] }[] }).tasks;
      return t.length === 2 && t.every((x) => x.state === 'TASK_RUNNING') ? t : undefined;
    }, 60_000, 250);
    for (const t of tasks) {
      const body = await waitFor(`HTTP on ${t.ports[0]}`, async () => {
        const r = await fetch(`http://127.0.0.1:${t.ports[0]}/`);
        return r.ok ? r.text() : undefined;
      }, 15_000, 200);
      expect(body.trim()).toBe('docker /docker/web');
    }
    expect((await ours()).filter((c) => c.Image === TEST_IMAGE && c.State === 'running')).toHaveLength(2);
    expect((await fetch(`${cluster!.master}/v2/apps/docker/web`, { method: 'DELETE' })).status).toBe(200);
    await waitFor('the containers gone', async () => ((await ours()).length === 0 ? true : undefined), 30_000, 250);
  });

  it('BRIDGE with portMappings: published on host ports from the offer, or refused clearly by an engine without a bridge (dockerd --bridge=none)', async () => {
    const post = await fetch(`${cluster!.master}/v2/apps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: '/docker/bridge', cpus: 0.1, mem: 32, instances: 1, backoffSeconds: 600,
        cmd: 'mkdir -p /tmp/www && echo bridged > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www',
        networks: [{ mode: 'container/bridge' }],
        container: { type: 'DOCKER', docker: { image: TEST_IMAGE }, portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }] },
      }),
    });
    expect(post.status).toBe(201);
    const shown = (await post.json()) as { networks: unknown; container: { portMappings: unknown[] } };
    expect(shown.networks).toEqual([{ mode: 'container/bridge' }]);
    // servicePort 0 got Marathon's first service port.
    expect(shown.container.portMappings).toEqual([{ containerPort: 8080, hostPort: 0, servicePort: 10000, protocol: 'tcp', name: 'http' }]);
    const hasBridge = await docker.getNetwork('bridge').inspect().then(() => true, () => false);
    if (!hasBridge) {
      const failure = await waitFor('the refusal', async () => {
        const r = await fetch(`${cluster!.master}/v2/apps/docker/bridge`);
        return ((await r.json()) as { app: { lastTaskFailure?: { state: string; message: string } } }).app.lastTaskFailure;
      }, 60_000, 250);
      expect(failure.state).toBe('TASK_FAILED');
      expect(failure.message).toMatch(/network BRIDGE: the Docker engine has no bridge network/);
    } else {
      const [task] = await waitFor('1 running', async () => {
        const r = await fetch(`${cluster!.master}/v2/apps/docker/bridge/tasks`);
        const t = ((await r.json()) as { tasks: { state: string; ports: number[] }[] }).tasks;
        return t.length === 1 && t[0]!.state === 'TASK_RUNNING' ? t : undefined;
      }, 60_000, 250);
      expect(task!.ports[0]).toBeGreaterThanOrEqual(31000);
      const body = await waitFor('HTTP through the mapping', async () => {
        const r = await fetch(`http://127.0.0.1:${task!.ports[0]}/`).catch(() => undefined);
        return r?.ok === true ? r.text() : undefined;
      }, 15_000, 200);
      expect(body.trim()).toBe('bridged');
    }
    expect((await fetch(`${cluster!.master}/v2/apps/docker/bridge?force=true`, { method: 'DELETE' })).status).toBe(200);
  });
});

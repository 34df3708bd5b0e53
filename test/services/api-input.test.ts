// Hostile and malformed input on every /v2 endpoint: Marathon's 4xx shapes, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { seededRng } from '../../src/lib/rng.js';
import { waitFor } from '../helpers/process.js';
import { jsonRequest, type JsonAnswer } from '../helpers/json-request.js';

let master = '';
let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;

beforeAll(async () => {
  cluster = await inProcessCluster();
  master = cluster.master;
  // The services scheduler runs once the master leads.
  await waitFor('the services API', async () => ((await fetch(`${master}/v2/apps`)).status === 200 ? true : undefined));
});
afterAll(() => cluster?.stop());

const send = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonRequest(master, method, path, body);

/** A 422 whose details name `path`. */
async function rejects(body: unknown, path: string, method = 'POST', url = '/v2/apps'): Promise<string[]> {
  const r = await send(method, url, body);
  expect(r.status, JSON.stringify(r.json)).toBe(422);
  expect(r.json['message']).toBe('Object is not valid');
  const details = r.json['details'] as { path: string; errors: string[] }[];
  const d = details.find((x) => x.path === path);
  expect(d, JSON.stringify(details)).toBeDefined();
  expect(d!.errors.length).toBeGreaterThan(0);
  return d!.errors;
}

const ok = { id: '/input/ok', cmd: 'sleep 1000', cpus: 0.01, mem: 8 };

describe('/v2/apps POST: validation in Marathon shape', () => {
  it('malformed JSON is 400 Invalid JSON; an oversized body 413; a non-object 422', async () => {
    const bad = await send('POST', '/v2/apps', '{"id": "/x", ');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ message: 'Invalid JSON', details: [{ path: '/' }] });
    const huge = await send('POST', '/v2/apps', JSON.stringify({ ...ok, cmd: 'x'.repeat(2 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(typeof huge.json['message']).toBe('string');
    for (const v of [[], '"x"', 1, null, true]) await rejects(v, '/');
    expect((await send('POST', '/v2/apps', '')).status).toBe(400);
  });

  it('invalid ids', async () => {
    for (const id of ['UPPER', '/a//b', '/-a', '/a-', '../x', 'a_b', '/a/../b', 'x'.repeat(201), '', 'a b', '/ä', 5]) {
      await rejects({ ...ok, id }, '/id');
    }
    await rejects({ cmd: 'x' }, '/id');
  });

  it('out-of-range numbers', async () => {
    await rejects({ ...ok, instances: -1 }, '/instances');
    await rejects({ ...ok, instances: 1.5 }, '/instances');
    await rejects({ ...ok, instances: '3' }, '/instances');
    await rejects({ ...ok, cpus: 0 }, '/cpus');
    await rejects({ ...ok, mem: -1 }, '/mem');
    await rejects({ ...ok, backoffFactor: 0.5 }, '/backoffFactor');
    await rejects({ ...ok, upgradeStrategy: { minimumHealthCapacity: 1.5 } }, '/upgradeStrategy/minimumHealthCapacity');
    await rejects({ ...ok, upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 } }, '/upgradeStrategy');
    await rejects({ ...ok, portDefinitions: [{ port: 70000 }] }, '/portDefinitions(0)/port');
    await rejects({ ...ok, unreachableStrategy: { inactiveAfterSeconds: 10, expungeAfterSeconds: 5 } }, '/unreachableStrategy');
    await rejects({ ...ok, unreachableStrategy: 'sometimes' }, '/unreachableStrategy');
  });

  it('unknown fields, unknown constraint operators, bad regexes, conflicting fields, unsupported features', async () => {
    expect((await rejects({ ...ok, instancez: 3 }, '/')).join()).toContain('instancez');
    await rejects({ ...ok, constraints: [['hostname', 'FOO']] }, '/constraints(0)(1)');
    await rejects({ ...ok, constraints: [['hostname', 'LIKE', '(']] }, '/constraints(0)');
    await rejects({ ...ok, constraints: [['hostname', 'MAX_PER', 'two']] }, '/constraints(0)');
    await rejects({ ...ok, constraints: [['hostname', 'CLUSTER']] }, '/constraints(0)');
    await rejects({ ...ok, constraints: 'hostname:UNIQUE' }, '/constraints');
    await rejects({ ...ok, args: ['x'] }, '/cmd');
    await rejects({ id: '/input/none' }, '/cmd');
    await rejects({ ...ok, ports: [0], portDefinitions: [{ port: 0 }] }, '/ports');
    await rejects({ ...ok, secrets: { s: { source: 'x' } } }, '/secrets');
    await rejects({ ...ok, env: { A: { secret: 's' } } }, '/env/A');
    await rejects({ ...ok, healthChecks: [{ protocol: 'COMMAND' }] }, '/healthChecks(0)/command');
    await rejects({ ...ok, healthChecks: [{ protocol: 'HTTP', portIndex: 3 }] }, '/healthChecks(0)/portIndex');
    await rejects({ ...ok, container: { type: 'DOCKER' } }, '/container/docker');
  });

  it('a valid app gets Marathon defaults; a second POST of the same id is 409', async () => {
    const r = await send('POST', '/v2/apps', { id: 'input/defaults', cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 0 });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      id: '/input/defaults', instances: 0, disk: 0, gpus: 0, backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300,
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, killSelection: 'YOUNGEST_FIRST', requirePorts: false,
      portDefinitions: [{ port: 0, protocol: 'tcp' }], env: {}, labels: {}, constraints: [], healthChecks: [],
    });
    const again = await send('POST', '/v2/apps', { id: '/input/defaults', cmd: 'x' });
    expect(again.status).toBe(409);
    expect(String(again.json['message'])).toContain('/input/defaults');
  });
});

describe('/v2/apps fetch and uris: hostile artifacts', () => {
  it('bad schemes, relative paths, escaping destPaths, conflicts, unknown fields and oversized lists are 422 naming the field', async () => {
    await rejects({ ...ok, fetch: [{ uri: 'ftp://127.0.0.1/x.tgz' }] }, '/fetch(0)/uri');
    await rejects({ ...ok, fetch: [{ uri: 'relative/x.tgz' }] }, '/fetch(0)/uri');
    await rejects({ ...ok, fetch: [{ uri: '' }] }, '/fetch(0)/uri');
    await rejects({ ...ok, fetch: [{ uri: `http://127.0.0.1/${'x'.repeat(1100)}` }] }, '/fetch(0)/uri');
    await rejects({ ...ok, fetch: [{ uri: 'http://127.0.0.1/a\u0000b' }] }, '/fetch(0)/uri');
    expect((await rejects({ ...ok, fetch: [{ uri: 'http://127.0.0.1/x', destPath: '../../etc/cron.d/x' }] }, '/fetch(0)/destPath')).join()).toContain('..');
    await rejects({ ...ok, fetch: [{ uri: 'http://127.0.0.1/x', destPath: '/etc/passwd' }] }, '/fetch(0)/destPath');
    await rejects({ ...ok, fetch: [{ uri: 'http://127.0.0.1/x', extract: 'yes' }] }, '/fetch(0)/extract');
    expect((await rejects({ ...ok, fetch: [{ uri: 'http://127.0.0.1/x', mode: 777 }] }, '/fetch(0)')).join()).toContain('mode');
    await rejects({ ...ok, fetch: 'http://127.0.0.1/x' }, '/fetch');
    await rejects({ ...ok, fetch: Array.from({ length: 257 }, (_, i) => ({ uri: `http://127.0.0.1/${i}` })) }, '/fetch');
    await rejects({ ...ok, uris: ['http://127.0.0.1/x'], fetch: [{ uri: 'http://127.0.0.1/y' }] }, '/uris');
    await rejects({ ...ok, uris: ['javascript:alert(1)'] }, '/uris(0)');
    await rejects({ ...ok, uris: [{ uri: 'http://127.0.0.1/x' }] }, '/uris(0)');
    // Empty lists are no conflict.
    const r = await send('POST', '/v2/apps', { ...ok, id: '/input/fetch-empty', instances: 0, uris: [], fetch: [] });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json['fetch']).toEqual([]);
  });
});

describe('/v2/apps networks and portMappings: hostile shapes', () => {
  it('unsupported modes, conflicts, mappings without bridge, out-of-range and duplicate ports are 422 naming the field', async () => {
    const docker = { type: 'DOCKER', docker: { image: 'tsmesos/busybox:test' } };
    const bridge = [{ mode: 'container/bridge' }];
    await rejects({ ...ok, networks: [{ mode: 'container', name: 'overlay' }], container: docker }, '/networks(0)/mode');
    await rejects({ ...ok, networks: [{ mode: 'mesh' }], container: docker }, '/networks(0)/mode');
    await rejects({ ...ok, networks: 'bridge', container: docker }, '/networks');
    await rejects({ ...ok, networks: [...bridge, ...bridge], container: docker }, '/networks');
    await rejects({ ...ok, networks: bridge }, '/networks');
    await rejects({ ...ok, networks: [{ mode: 'host' }], container: { ...docker, docker: { ...docker.docker, network: 'BRIDGE' } } }, '/networks');
    await rejects({ ...ok, container: { ...docker, docker: { ...docker.docker, network: 'USER' } } }, '/container/docker/network');
    await rejects({ ...ok, container: { ...docker, portMappings: [{ containerPort: 80 }] } }, '/container/portMappings');
    await rejects({ ...ok, networks: bridge, container: { ...docker, portMappings: [{ containerPort: -1 }] } }, '/container/portMappings(0)/containerPort');
    await rejects({ ...ok, networks: bridge, container: { ...docker, portMappings: [{ hostPort: 65536 }] } }, '/container/portMappings(0)/hostPort');
    await rejects({ ...ok, networks: bridge, container: { ...docker, portMappings: [{ hostPort: 31000 }, { hostPort: 31000 }] } }, '/container/portMappings');
    await rejects({ ...ok, networks: bridge, container: { ...docker, portMappings: Array.from({ length: 101 }, () => ({})) } }, '/container/portMappings');
    await rejects({ ...ok, networks: bridge, container: docker, portDefinitions: [{ port: 0 }] }, '/portDefinitions');
  });

  it('a partial update switches networks: the stored network and ports give way to the new ones', async () => {
    const docker = { type: 'DOCKER', docker: { image: 'tsmesos/busybox:test' } };
    expect((await send('POST', '/v2/apps', { ...ok, id: '/input/netswitch', instances: 0, container: docker })).status).toBe(201);
    const toBridge = await send('PUT', '/v2/apps/input/netswitch?force=true', { networks: [{ mode: 'container/bridge' }] });
    expect(toBridge.status, JSON.stringify(toBridge.json)).toBe(200);
    let app = (await send('GET', '/v2/apps/input/netswitch')).json['app'] as { networks: unknown; portDefinitions: unknown[]; container: { docker: { network: string } } };
    expect([app.networks, app.portDefinitions, app.container.docker.network]).toEqual([[{ mode: 'container/bridge' }], [], 'BRIDGE']);
    const back = await send('PUT', '/v2/apps/input/netswitch?force=true', { container: { ...docker, docker: { ...docker.docker, network: 'HOST' } } });
    expect(back.status, JSON.stringify(back.json)).toBe(200);
    app = (await send('GET', '/v2/apps/input/netswitch')).json['app'] as typeof app;
    expect([app.networks, app.container.docker.network]).toEqual([[{ mode: 'host' }], 'HOST']);
    expect((await send('DELETE', '/v2/apps/input/netswitch?force=true')).status).toBe(200);
  });
});

describe('/v2/apps/{id}: 404, 409 locks, force', () => {
  it('unknown apps are 404 on every verb; malformed path ids 422', async () => {
    for (const [m, p] of [['GET', '/v2/apps/input/missing'], ['DELETE', '/v2/apps/input/missing'], ['POST', '/v2/apps/input/missing/restart'],
      ['GET', '/v2/apps/input/missing/tasks'], ['GET', '/v2/apps/input/missing/versions'], ['DELETE', '/v2/apps/input/missing/tasks']] as const) {
      const r = await send(m, p);
      expect(r.status, `${m} ${p}`).toBe(404);
      expect(String(r.json['message'])).toContain('/input/missing');
    }
    expect((await send('GET', '/v2/apps/BAD_ID')).status).toBe(422);
    expect((await send('PUT', '/v2/apps/BAD_ID', { instances: 1 })).status).toBe(422);
    expect((await send('GET', '/v2/nothing-here')).status).toBe(404);
    expect((await send('POST', '/v2/apps/input/x/tasks')).status).toBe(405);
  });

  it('an app whose deployment cannot finish is locked: PUT/DELETE 409 until forced', async () => {
    const created = await send('POST', '/v2/apps', { id: '/input/stuck', cmd: 'sleep 1000', cpus: 100, mem: 8 });
    expect(created.status).toBe(201);
    const locked = await send('PUT', '/v2/apps/input/stuck', { instances: 2 });
    expect(locked.status).toBe(409);
    expect(String(locked.json['message'])).toContain('locked');
    expect((locked.json['deployments'] as { id: string }[])[0]?.id).toBe((created.json['deployments'] as { id: string }[])[0]?.id);
    expect((await send('DELETE', '/v2/apps/input/stuck')).status).toBe(409);
    const forced = await send('PUT', '/v2/apps/input/stuck?force=true', { instances: 2 });
    expect(forced.status).toBe(200);
    expect(typeof forced.json['deploymentId']).toBe('string');
    expect(typeof forced.json['version']).toBe('string');
    // The forced change superseded the first deployment: one remains.
    const deployments = (await send('GET', '/v2/deployments')).json as unknown as { id: string; affectedApps: string[] }[];
    expect(deployments.filter((d) => d.affectedApps.includes('/input/stuck')).map((d) => d.id)).toEqual([forced.json['deploymentId']]);
    expect((await send('PUT', '/v2/apps/input/stuck?force=true', { id: '/input/other', instances: 1 })).status).toBe(422);
    await rejects({ instances: -3 }, '/instances', 'PATCH', '/v2/apps/input/stuck?force=true');
    const versions = (await send('GET', '/v2/apps/input/stuck/versions')).json['versions'] as string[];
    expect(versions).toHaveLength(2);
    expect((await send('GET', `/v2/apps/input/stuck/versions/${versions[1]}`)).json['instances']).toBe(1);
    expect((await send('DELETE', '/v2/apps/input/stuck?force=true')).status).toBe(200);
    expect((await send('GET', '/v2/apps/input/stuck')).status).toBe(404);
  });

  it('PUT on a missing app creates it (201); PUT partialUpdate=false replaces the definition', async () => {
    const r = await send('PUT', '/v2/apps/input/put', { cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 0, env: { A: '1' } });
    expect(r.status).toBe(201);
    const p = await send('PUT', '/v2/apps/input/put?force=true&partialUpdate=false', { cmd: 'sleep 2000', cpus: 0.02, instances: 0 });
    expect(p.status).toBe(200);
    const app = (await send('GET', '/v2/apps/input/put')).json['app'] as Record<string, unknown>;
    expect(app).toMatchObject({ cmd: 'sleep 2000', cpus: 0.02, mem: 128, env: {} });
  });
});

describe('/v2/deployments/{id} DELETE', () => {
  const deploymentOf = async (id: string): Promise<string> => {
    const all = (await send('GET', '/v2/deployments')).json as unknown as { id: string; affectedApps: string[] }[];
    return all.find((d) => d.affectedApps.includes(id))!.id;
  };

  it('rolls back to the version before, or with force forgets the deployment; unknown ids are 404', async () => {
    expect((await send('DELETE', '/v2/deployments/nope')).status).toBe(404);
    // cpus 100 never fits: every deployment of this app stays open.
    expect((await send('POST', '/v2/apps', { id: '/input/rollback', cmd: 'sleep 1000', cpus: 100, mem: 8, instances: 1 })).status).toBe(201);
    expect((await send('PUT', '/v2/apps/input/rollback?force=true', { instances: 3 })).status).toBe(200);
    const scaleDeployment = await deploymentOf('/input/rollback');
    const rolledBack = await send('DELETE', `/v2/deployments/${scaleDeployment}`);
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.json['deploymentId']).not.toBe(scaleDeployment);
    expect(((await send('GET', '/v2/apps/input/rollback')).json['app'] as { instances: number }).instances).toBe(1);
    // The rollback is itself a deployment: rolling it back restores what it replaced.
    expect((await send('DELETE', `/v2/deployments/${await deploymentOf('/input/rollback')}`)).status).toBe(200);
    expect(((await send('GET', '/v2/apps/input/rollback')).json['app'] as { instances: number }).instances).toBe(3);
    const forced = await send('DELETE', `/v2/deployments/${await deploymentOf('/input/rollback')}?force=true`);
    expect(forced.status).toBe(202);
    const left = (await send('GET', '/v2/deployments')).json as unknown as { affectedApps: string[] }[];
    expect(left.filter((d) => d.affectedApps.includes('/input/rollback'))).toEqual([]);
    expect((await send('DELETE', '/v2/apps/input/rollback')).status).toBe(200);

    // Rolling back the deployment that created an app removes the app.
    expect((await send('POST', '/v2/apps', { id: '/input/rollback-new', cmd: 'sleep 1000', cpus: 100, mem: 8 })).status).toBe(201);
    expect((await send('DELETE', `/v2/deployments/${await deploymentOf('/input/rollback-new')}`)).status).toBe(200);
    expect((await send('GET', '/v2/apps/input/rollback-new')).status).toBe(404);
  });
});

describe('/v2/queue', () => {
  it('shows an app waiting for its backoff; DELETE .../delay relaunches it at once', async () => {
    expect((await send('POST', '/v2/apps', { id: '/input/crash', cmd: 'exit 1', cpus: 0.01, mem: 8, backoffSeconds: 600 })).status).toBe(201);
    const lastFailure = async (): Promise<string | undefined> => ((await send('GET', '/v2/apps/input/crash')).json['app'] as { lastTaskFailure?: { taskId: string } }).lastTaskFailure?.taskId;
    const first = await waitFor('the first failure', lastFailure, 30_000, 100);
    const queued = await waitFor('the app in the queue', async () => {
      const q = (await send('GET', '/v2/queue')).json['queue'] as { count: number; delay: { timeLeftSeconds: number }; app: { id: string } }[];
      return q.find((e) => e.app.id === '/input/crash' && e.delay.timeLeftSeconds > 0);
    }, 10_000, 100);
    expect(queued.count).toBe(1);
    expect(queued.delay.timeLeftSeconds).toBeLessThanOrEqual(600);
    expect((await send('DELETE', '/v2/queue/input/crash/delay')).status).toBe(204);
    // Without the reset the next launch would wait 600 s: a second failure proves it did not.
    await waitFor('a relaunch and second failure', async () => ((await lastFailure()) !== first ? true : undefined), 30_000, 100);
    expect((await send('DELETE', '/v2/queue/input/missing/delay')).status).toBe(404);
    expect((await send('DELETE', '/v2/queue/input/crash')).status).toBe(404);
    expect((await send('DELETE', '/v2/apps/input/crash?force=true')).status).toBe(200);
  });
});

describe('/v2/groups', () => {
  it('lists the group tree the nested app ids make; unknown groups 404, malformed 422', async () => {
    for (const id of ['/grp/a', '/grp/sub/b', '/grp/sub/deeper/c']) {
      expect((await send('POST', '/v2/apps', { id, cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 0 })).status).toBe(201);
    }
    interface G { id: string; apps: { id: string }[]; groups: G[]; version?: string }
    const root = (await send('GET', '/v2/groups')).json as unknown as G;
    expect(root.id).toBe('/');
    const grp = root.groups.find((g) => g.id === '/grp')!;
    expect(grp.apps.map((a) => a.id)).toEqual(['/grp/a']);
    expect(grp.groups.map((g) => g.id)).toEqual(['/grp/sub']);
    const sub = (await send('GET', '/v2/groups/grp/sub')).json as unknown as G;
    expect(sub.apps.map((a) => a.id)).toEqual(['/grp/sub/b']);
    expect(sub.groups[0]?.apps.map((a) => a.id)).toEqual(['/grp/sub/deeper/c']);
    expect(typeof sub.version).toBe('string');
    expect((await send('GET', '/v2/groups/grp/none')).status).toBe(404);
    expect((await send('GET', '/v2/groups/Not_Valid')).status).toBe(422);
    for (const id of ['/grp/a', '/grp/sub/b', '/grp/sub/deeper/c']) expect((await send('DELETE', `/v2/apps${id}`)).status).toBe(200);
  });
});

describe('the other endpoints', () => {
  it('/ping, /v2/leader, /v2/info, /v2/tasks, /v2/deployments', async () => {
    const ping = await fetch(`${master}/ping`);
    expect(await ping.text()).toBe('pong');
    expect((await send('GET', '/v2/leader')).json['leader']).toBe(new URL(master).host);
    const info = (await send('GET', '/v2/info')).json;
    expect(info).toMatchObject({ elected: true, leader: new URL(master).host });
    await waitFor('the framework id', async () => ((await send('GET', '/v2/info')).json['frameworkId'] ? true : undefined));
    expect(Array.isArray((await send('GET', '/v2/tasks')).json['tasks'])).toBe(true);
    expect(Array.isArray((await send('GET', '/v2/deployments')).json)).toBe(true);
  });

  it('random hostile bodies on every write endpoint: always a 4xx or a success, never a 5xx', async () => {
    const rng = seededRng(1234);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
    const values = (depth: number): unknown => {
      const k = Math.floor(rng.next() * 9);
      if (depth > 2 || k < 5) return pick<unknown>([null, -1, 0, 1e308, -0.5, '', 'x', '/a', '../', true, [], {}, 'UNIQUE', ['hostname', 'UNIQUE'], 2 ** 53]);
      if (k < 7) return Array.from({ length: Math.floor(rng.next() * 4) }, () => values(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rng.next() * 5) }, () => [pick(FIELDS), values(depth + 1)]));
    };
    const targets = [['POST', '/v2/apps'], ['PUT', '/v2/apps/input/fuzz?force=true'], ['PATCH', '/v2/apps/input/fuzz?force=true'], ['POST', '/v2/apps/input/fuzz/restart?force=true']] as const;
    const seen = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const body = { ...(rng.next() < 0.5 ? { id: '/input/fuzz', cmd: 'sleep 1000' } : {}), ...(values(0) as object) };
      const [m, p] = pick(targets);
      const r = await send(m, p, body);
      seen.add(r.status);
      expect(r.status, `${m} ${p} ${JSON.stringify(body)} -> ${JSON.stringify(r.json)}`).toBeLessThan(500);
      expect(typeof r.json['message'] === 'string' || r.status < 300, JSON.stringify(r.json)).toBe(true);
    }
    expect(seen.has(422)).toBe(true);
  });
});

const FIELDS = ['id', 'cmd', 'args', 'instances', 'cpus', 'mem', 'disk', 'gpus', 'constraints', 'env', 'labels', 'portDefinitions', 'ports', 'port', 'protocol',
  'upgradeStrategy', 'minimumHealthCapacity', 'healthChecks', 'container', 'docker', 'image', 'requirePorts', 'backoffSeconds', 'unreachableStrategy', 'user',
  'fetch', 'uris', 'uri', 'destPath', 'extract', 'executable', 'networks', 'mode', 'portMappings', 'containerPort', 'hostPort', 'servicePort', 'network'] as const;

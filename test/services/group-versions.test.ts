// Group versions and rollback, and partial app updates, on a real master + agent over HTTP:
// every services write records the root (registry, migration 13); GET /v2/groups/{id}/versions
// lists the root versions the group exists in, GET .../versions/{version} shows it as it was,
// PUT /v2/groups/{id} {"version"} rolls it back as a deployment, and the versions survive a
// restart of the master. PATCH /v2/apps/{id} and PATCH /v2/apps change only what they give and
// create nothing; PUT /v2/apps writes several apps in one deployment; POST /v2/tasks/delete kills
// (and with scale=true scales down). Hostile input on each.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startAll } from '../../src/roles/all.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, stopAtEnd, tempDir, waitFor, waitForActiveAgent } from '../helpers/process.js';
import { jsonRequest, type JsonAnswer } from '../helpers/json-request.js';

const dataDir = tempDir();
let master = '';
let stop: (() => Promise<void>) | null = null;

/** The all-in-one node on `dataDir` (a restart reuses the directory and the ports). */
async function start(port: string, agentPort: string): Promise<void> {
  const config = resolveUpConfig({ role: 'all', dataDir, port, agentPort, resources: 'cpus:2;mem:1024;disk:1024;ports:[31340-31360]', marathonPort: '0' }, {});
  const running = await startAll(config, silentLogger);
  stop = stopAtEnd(() => running.stop());
  master = `http://127.0.0.1:${port}`;
  await waitForActiveAgent(master);
  await waitFor('the services API', async () => ((await fetch(`${master}/v2/groups`)).status === 200 ? true : undefined));
}

let ports: [string, string] = ['0', '0'];
beforeAll(async () => {
  ports = [String(await freePort()), String(await freePort())];
  await start(...ports);
});
afterAll(async () => {
  try {
    await stop?.();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

const send = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonRequest(master, method, path, body);

interface G { id: string; apps: { id: string; instances: number; cmd?: string; version: string }[]; groups: G[]; dependencies: string[] }
const sleeper = (id: string, instances = 1, cmd = 'exec sleep 1000'): Record<string, unknown> => ({ id, cmd, cpus: 0.01, mem: 8, instances });

async function tasksOf(appId: string, n: number): Promise<string[]> {
  return waitFor(`${n} running tasks of ${appId}`, async () => {
    const r = await send('GET', `/v2/apps${appId}/tasks`);
    const tasks = (r.json['tasks'] ?? []) as { id: string; state: string }[];
    return tasks.length === n && tasks.every((t) => t.state === 'TASK_RUNNING') ? tasks.map((t) => t.id).sort() : undefined;
  }, 30_000, 100);
}
const settled = (id: string): Promise<boolean> => waitFor(`deployment ${id} done`, async () => {
  const list = (await send('GET', '/v2/deployments')).json as unknown as { id: string }[];
  return list.some((d) => d.id === id) ? undefined : true;
}, 30_000, 100);
const versionsOf = async (path: string): Promise<string[]> => {
  const r = await send('GET', path);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as unknown as string[];
};
const expectError = (r: { status: number; json: Record<string, unknown> }, status: number, path?: string): void => {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(typeof r.json['message']).toBe('string');
  if (path !== undefined) expect((r.json['details'] as { path: string }[] | undefined)?.map((d) => d.path)).toContain(path);
};

describe('group versions and rollback', () => {
  let v1 = '';
  let v2 = '';

  it('every group write is a root version; the group at a version is as it was then', async () => {
    const created = await send('POST', '/v2/groups', { id: '/gv', apps: [sleeper('a', 1)], groups: [{ id: 'inner', dependencies: ['/gv/a'] }] });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    v1 = created.json['version'] as string;
    await settled(created.json['deploymentId'] as string);
    const changed = await send('PUT', '/v2/groups/gv', { apps: [sleeper('a', 2), sleeper('b', 1)], groups: [] });
    expect(changed.status, JSON.stringify(changed.json)).toBe(200);
    v2 = changed.json['version'] as string;
    await settled(changed.json['deploymentId'] as string);
    await tasksOf('/gv/a', 2);

    const versions = await versionsOf('/v2/groups/gv/versions');
    expect(versions.slice(0, 2)).toEqual([v2, v1]); // newest first
    expect(await versionsOf('/v2/groups/gv/versions/')).toEqual(versions);
    expect((await versionsOf('/v2/groups/versions')).slice(0, 2)).toEqual([v2, v1]);

    const then = (await send('GET', `/v2/groups/gv/versions/${v1}`)).json as unknown as G;
    expect(then.id).toBe('/gv');
    expect(then.apps.map((a) => [a.id, a.instances, a.version])).toEqual([['/gv/a', 1, v1]]);
    expect(then.groups.map((g) => [g.id, g.dependencies])).toEqual([['/gv/inner', ['/gv/a']]]);
    const now = (await send('GET', `/v2/groups/gv/versions/${v2}`)).json as unknown as G;
    expect(now.apps.map((a) => [a.id, a.instances])).toEqual([['/gv/a', 2], ['/gv/b', 1]]);
    expect(now.groups).toEqual([]);
    // The same instant in another offset, and a nested group in the root's version.
    const offset = v1.replace('Z', '+00:00').replace(/\.\d+/, (f) => `${f}000`);
    expect(((await send('GET', `/v2/groups/gv/versions/${encodeURIComponent(offset)}`)).json as unknown as G).apps[0]?.instances).toBe(1);
    expect(((await send('GET', `/v2/groups/gv/inner/versions/${v1}`)).json as unknown as G).id).toBe('/gv/inner');
    expect(((await send('GET', `/v2/groups/versions/${v1}`)).json as unknown as G).groups.map((g) => g.id)).toContain('/gv');
  });

  it('PUT {"version"} rolls the group back as a deployment: apps added since are stopped, the rest restored', async () => {
    const before = await tasksOf('/gv/a', 2);
    const r = await send('PUT', '/v2/groups/gv', { version: v1 });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const deploymentId = r.json['deploymentId'] as string;
    expect(r.headers.get('marathon-deployment-id')).toBe(deploymentId);
    expect(r.json['version']).not.toBe(v1);
    await settled(deploymentId);
    const g = (await send('GET', '/v2/groups/gv')).json as unknown as G;
    expect(g.apps.map((a) => [a.id, a.instances])).toEqual([['/gv/a', 1]]);
    expect(g.groups.map((x) => [x.id, x.dependencies])).toEqual([['/gv/inner', ['/gv/a']]]);
    expectError(await send('GET', '/v2/apps/gv/b'), 404);
    // A scale-down back: one of the two instances stays, none is replaced.
    const after = await tasksOf('/gv/a', 1);
    expect(before).toContain(after[0]);
    await waitFor('the tasks of /gv/b gone', async () => ((await send('GET', '/v2/tasks')).json['tasks'] as { appId: string }[]).every((t) => t.appId !== '/gv/b') || undefined);
    // The rollback is a version of its own, and rolling forward again works the same way.
    expect((await versionsOf('/v2/groups/gv/versions'))[0]).toBe(r.json['version']);
    const forward = await send('PUT', '/v2/groups/gv', { version: v2 });
    expect(forward.status, JSON.stringify(forward.json)).toBe(200);
    await settled(forward.json['deploymentId'] as string);
    await tasksOf('/gv/b', 1);
    await tasksOf('/gv/a', 2);
  });

  it('refuses bad versions and conflicting fields in Marathon shape', async () => {
    expectError(await send('PUT', '/v2/groups/gv', { version: 'yesterday' }), 422, '/version');
    expectError(await send('PUT', '/v2/groups/gv', { version: 42 }), 422);
    expectError(await send('PUT', '/v2/groups/gv', { version: '2026-13-45T99:00:00.000Z' }), 422, '/version');
    expectError(await send('PUT', '/v2/groups/gv', { version: v1, scaleBy: 2 }), 422, '/version');
    expectError(await send('PUT', '/v2/groups/gv', { version: v1, apps: [] }), 422, '/version');
    expectError(await send('PUT', '/v2/groups/gv', { version: 'x'.repeat(65) }), 422);
    expectError(await send('POST', '/v2/groups', { id: '/newgroup', version: v1 }), 422, '/version');
    const missing = await send('PUT', '/v2/groups/gv', { version: '2001-01-01T00:00:00.000Z' });
    expectError(missing, 422);
    expect(missing.json['message']).toBe('Group /gv not available in version 2001-01-01T00:00:00.000Z');
    // A group that did not exist at that version cannot be rolled back to it.
    const late = await send('POST', '/v2/groups', { id: '/late', apps: [sleeper('x', 0)] });
    expect(late.status).toBe(201);
    expectError(await send('PUT', '/v2/groups/late', { version: v1 }), 422);
    expectError(await send('GET', `/v2/groups/late/versions/${v1}`), 404);
    expect(await versionsOf('/v2/groups/late/versions')).toEqual([late.json['version']]);
    // Unknown groups, malformed ids and versions in the URL.
    expectError(await send('GET', '/v2/groups/nothere/versions'), 404);
    expectError(await send('GET', '/v2/groups/gv/versions/not-a-date'), 400);
    expectError(await send('GET', '/v2/groups/gv/versions/%E0%A4%A'), 400);
    expectError(await send('GET', `/v2/groups/gv/versions/${'9'.repeat(5000)}`), 400);
    expectError(await send('GET', '/v2/groups/bad..id/versions'), 422);
    expectError(await send('GET', '/v2/apps/gv/a/versions/%E0%A4%A'), 404);
    // Bodies: not JSON, not an object, too large.
    expectError(await send('PUT', '/v2/groups/gv', '{"version":'), 400);
    expectError(await send('PUT', '/v2/groups/gv', '["version"]'), 422);
    expect((await send('PUT', '/v2/groups/gv', JSON.stringify({ version: v1, pad: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(413);
  });

  it('the versions live in the registry: a restarted master still lists and rolls back to them', async () => {
    const versions = await versionsOf('/v2/groups/gv/versions');
    await stop?.();
    await start(...ports);
    expect(await versionsOf('/v2/groups/gv/versions')).toEqual(versions);
    const r = await send('PUT', '/v2/groups/gv', { version: v1 });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    await settled(r.json['deploymentId'] as string);
    await tasksOf('/gv/a', 1);
    expectError(await send('GET', '/v2/apps/gv/b'), 404);
  });
});

describe('PATCH and PUT /v2/apps: partial updates', () => {
  it('PATCH /v2/apps/{id} changes only what it gives and creates nothing', async () => {
    const created = await send('POST', '/v2/apps', { ...sleeper('/patch/one', 1), env: { KEEP: 'yes' }, labels: { team: 'a' } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    await tasksOf('/patch/one', 1);
    const r = await send('PATCH', '/v2/apps/patch/one', { instances: 2 });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.headers.get('marathon-deployment-id')).toBe(r.json['deploymentId']);
    await settled(r.json['deploymentId'] as string);
    await tasksOf('/patch/one', 2);
    const app = (await send('GET', '/v2/apps/patch/one')).json['app'] as Record<string, unknown>;
    expect([app['instances'], app['cmd'], app['env'], app['labels']]).toEqual([2, 'exec sleep 1000', { KEEP: 'yes' }, { team: 'a' }]);
    const nope = await send('PATCH', '/v2/apps/patch/nope', { instances: 1 });
    expectError(nope, 404);
    expect(nope.json['message']).toBe("App '/patch/nope' does not exist");
    expectError(await send('GET', '/v2/apps/patch/nope'), 404);
    expectError(await send('PATCH', '/v2/apps/patch/one', { instances: -1 }), 422, '/instances');
    expectError(await send('PATCH', '/v2/apps/patch/one', { id: '/patch/other' }), 422, '/id');
  });

  it('PUT /v2/apps writes several apps as one deployment; PATCH /v2/apps only existing ones', async () => {
    const put = await send('PUT', '/v2/apps', [sleeper('/patch/two', 1), { id: '/patch/one', instances: 1 }]);
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    const deploymentId = put.json['deploymentId'] as string;
    const d = ((await send('GET', '/v2/deployments')).json as unknown as { id: string; affectedApps: string[] }[]).find((x) => x.id === deploymentId);
    if (d) expect(d.affectedApps.sort()).toEqual(['/patch/one', '/patch/two']);
    await settled(deploymentId);
    await tasksOf('/patch/two', 1);
    await tasksOf('/patch/one', 1);
    expect(((await send('GET', '/v2/apps/patch/one')).json['app'] as Record<string, unknown>)['env']).toEqual({ KEEP: 'yes' });

    // PATCH of a list: partial, nothing created (and nothing changed when one is unknown).
    expectError(await send('PATCH', '/v2/apps', [{ id: '/patch/two', instances: 0 }, { id: '/patch/three', instances: 1 }]), 404);
    expect(((await send('GET', '/v2/apps/patch/two')).json['app'] as Record<string, unknown>)['instances']).toBe(1);
    const patch = await send('PATCH', '/v2/apps', [{ id: 'patch/two', instances: 0 }, { id: '/patch/one', labels: { team: 'b' } }]);
    expect(patch.status, JSON.stringify(patch.json)).toBe(200);
    await settled(patch.json['deploymentId'] as string);
    const one = (await send('GET', '/v2/apps/patch/one')).json['app'] as Record<string, unknown>;
    expect([one['labels'], one['instances'], one['cmd']]).toEqual([{ team: 'b' }, 1, 'exec sleep 1000']);
    await waitFor('no tasks of /patch/two', async () => (((await send('GET', '/v2/apps/patch/two/tasks')).json['tasks'] as unknown[]).length === 0 ? true : undefined));

    // PUT with partialUpdate=false replaces: what is not given returns to its default.
    const replaced = await send('PUT', '/v2/apps?partialUpdate=false', [{ id: '/patch/one', cmd: 'exec sleep 999', cpus: 0.01, mem: 8, instances: 1 }]);
    expect(replaced.status, JSON.stringify(replaced.json)).toBe(200);
    await settled(replaced.json['deploymentId'] as string);
    const fresh = (await send('GET', '/v2/apps/patch/one')).json['app'] as Record<string, unknown>;
    expect([fresh['cmd'], fresh['env'], fresh['labels']]).toEqual(['exec sleep 999', {}, {}]);
  });

  it('refuses hostile lists in Marathon shape', async () => {
    for (const method of ['PUT', 'PATCH']) {
      expectError(await send(method, '/v2/apps', { id: '/patch/one', instances: 1 }), 422, '/');
      expectError(await send(method, '/v2/apps', []), 422, '/');
      expectError(await send(method, '/v2/apps', [{ instances: 1 }]), 422, '/(0)/id');
      expectError(await send(method, '/v2/apps', [{ id: '/patch/one' }, 'x']), 422, '/(1)/id');
      expectError(await send(method, '/v2/apps', [{ id: '/patch/one', instances: 1 }, { id: 'patch/one', instances: 2 }]), 422, '/(1)/id');
      expectError(await send(method, '/v2/apps', [{ id: '/patch/one', instances: -5 }]), 422, '/(0)/instances');
      expectError(await send(method, '/v2/apps', [{ id: '/bad..id' }]), 422, '/(0)/id');
      expectError(await send(method, '/v2/apps', [{ id: '/patch/one', constraints: [['hostname', 'SOMETIMES']] }]), 422);
      expectError(await send(method, '/v2/apps', Array.from({ length: 1001 }, (_, i) => ({ id: `/many/a${i}`, instances: 0 }))), 422, '/');
      expectError(await send(method, '/v2/apps', '[{"id":'), 400);
      expect((await send(method, '/v2/apps', JSON.stringify([{ id: '/patch/one', pad: 'x'.repeat(2 * 1024 * 1024) }]))).status).toBe(413);
    }
    // Nothing of that changed the app.
    expect(((await send('GET', '/v2/apps/patch/one')).json['app'] as Record<string, unknown>)['cmd']).toBe('exec sleep 999');
    expectError(await send('GET', '/v2/apps/many/a0'), 404);
  });
});

describe('POST /v2/tasks/delete', () => {
  it('kills the tasks named; with scale=true scales their apps down as one deployment; refuses malformed bodies', async () => {
    const created = await send('PUT', '/v2/apps/kill/me', sleeper('/kill/me', 3));
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const three = await tasksOf('/kill/me', 3);

    // Without scale: the task is killed and replaced; unknown (well-formed) ids are ignored.
    const killed = await send('POST', '/v2/tasks/delete', { ids: [three[0], 'kill_me.no-such-task'] });
    expect(killed.status, JSON.stringify(killed.json)).toBe(200);
    expect((killed.json['tasks'] as { id: string }[]).map((t) => t.id)).toEqual([three[0]]);
    const replaced = await waitFor('the killed task replaced', async () => {
      const ids = await tasksOf('/kill/me', 3);
      return ids.includes(three[0]!) ? undefined : ids;
    }, 30_000, 100);

    // With scale: one deployment, the app down by as many as were killed, the others kept.
    const scaled = await send('POST', '/v2/tasks/delete?scale=true', { ids: [replaced[0], replaced[1]] });
    expect(scaled.status, JSON.stringify(scaled.json)).toBe(200);
    expect(scaled.headers.get('marathon-deployment-id')).toBe(scaled.json['deploymentId']);
    await settled(scaled.json['deploymentId'] as string);
    expect(await tasksOf('/kill/me', 1)).toEqual([replaced[2]]);
    expect(((await send('GET', '/v2/apps/kill/me')).json['app'] as Record<string, unknown>)['instances']).toBe(1);

    for (const bad of [{}, { ids: 'x' }, { ids: [1] }, [], 'nope', { ids: Array.from({ length: 10_001 }, (_, i) => `t${i}`) }]) {
      expectError(await send('POST', '/v2/tasks/delete', bad), 400);
    }
    expectError(await send('POST', '/v2/tasks/delete', { ids: ['../etc/passwd'] }), 400);
    expectError(await send('POST', '/v2/tasks/delete?scale=true&wipe=true', { ids: [replaced[2]] }), 400);
    expectError(await send('POST', '/v2/tasks/delete', '{"ids":['), 400);
    expect((await send('POST', '/v2/tasks/delete', JSON.stringify({ ids: [], pad: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(413);
    expect(await tasksOf('/kill/me', 1)).toEqual([replaced[2]]);
  });
});

// Group writes on a real master + agent: POST /v2/groups starts a tree of apps as one deployment,
// PUT scales it (scaleBy), replaces its apps and subgroups, dry-runs; DELETE removes it and
// every task; locks, rollback, and hostile bodies on every group endpoint.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { tempDir, waitFor } from '../helpers/process.js';
import { seededRng } from '../../src/lib/rng.js';
import { jsonRequest, type JsonAnswer } from '../helpers/json-request.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
beforeAll(async () => {
  // A port range of its own: instances of other test files' clusters listen on loopback too.
  cluster = await inProcessCluster({ resources: 'cpus:2;mem:1024;disk:1024;ports:[31300-31330]' });
  await waitFor('the services API', async () => ((await fetch(`${cluster!.master}/v2/groups`)).status === 200 ? true : undefined));
});
afterAll(() => cluster?.stop());

const send = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonRequest(cluster!.master, method, path, body);

interface G { id: string; apps: { id: string; instances: number }[]; groups: G[]; dependencies: string[]; version?: string }
interface Deployment { id: string; affectedApps: string[]; steps: { actions: { action: string; app: string }[] }[] }
const sleeper = (id: string, instances = 1): Record<string, unknown> => ({ id, cmd: 'exec sleep 1000', cpus: 0.01, mem: 8, instances });

async function running(appId: string, n: number): Promise<string[]> {
  return waitFor(`${n} running tasks of ${appId}`, async () => {
    const r = await send('GET', `/v2/apps${appId}/tasks`);
    const tasks = (r.json['tasks'] ?? []) as { id: string; state: string }[];
    return tasks.length === n && tasks.every((t) => t.state === 'TASK_RUNNING') ? tasks.map((t) => t.id) : undefined;
  }, 30_000, 100);
}
const deployments = async (): Promise<Deployment[]> => (await send('GET', '/v2/deployments')).json as unknown as Deployment[];
const settled = (id: string): Promise<boolean> => waitFor(`deployment ${id} done`, async () => ((await deployments()).some((d) => d.id === id) ? undefined : true), 30_000, 100);

describe('/v2/groups writes', () => {
  it('POST creates the tree as one deployment; a second POST is 409', async () => {
    const created = await send('POST', '/v2/groups', {
      id: '/shop', apps: [sleeper('web')], dependencies: ['/shop/db'],
      groups: [{ id: 'db', apps: [sleeper('pg')] }, { id: 'empty' }],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.headers.get('location')).toBe('/v2/groups/shop');
    const deploymentId = created.json['deploymentId'] as string;
    expect(created.headers.get('marathon-deployment-id')).toBe(deploymentId);
    expect(typeof created.json['version']).toBe('string');
    const d = (await deployments()).find((x) => x.id === deploymentId);
    expect(d?.affectedApps.sort()).toEqual(['/shop/db/pg', '/shop/web']);
    await running('/shop/web', 1);
    await running('/shop/db/pg', 1);
    await settled(deploymentId);

    const shop = (await send('GET', '/v2/groups/shop')).json as unknown as G;
    expect(shop.apps.map((a) => a.id)).toEqual(['/shop/web']);
    expect(shop.groups.map((g) => g.id)).toEqual(['/shop/db', '/shop/empty']);
    expect(shop.dependencies).toEqual(['/shop/db']);
    expect(shop.version).toBe(created.json['version']);
    expect(((await send('GET', '/v2/groups/shop/empty')).json as unknown as G).apps).toEqual([]);

    const again = await send('POST', '/v2/groups', { id: '/shop' });
    expect(again.status).toBe(409);
    expect(again.json['message']).toBe('Group /shop is already created. Use PUT to change this group.');
    expect((await send('POST', '/v2/groups', { id: '/' })).status).toBe(409);
    expect((await send('POST', '/v2/groups', { id: '/shop/web' })).json['message']).toBe('An app with the path /shop/web already exists.');
    // POST /v2/groups/{id}: the body's id is relative to the path.
    const nested = await send('POST', '/v2/groups/shop', { id: 'extra', apps: [sleeper('tool', 0)] });
    expect(nested.status, JSON.stringify(nested.json)).toBe(201);
    expect(nested.headers.get('location')).toBe('/v2/groups/shop/extra');
    // An app may not take a group's id.
    expect((await send('POST', '/v2/apps', sleeper('/shop/empty'))).status).toBe(422);
  });

  it('PUT scaleBy scales every app below the group (dryRun only plans it)', async () => {
    const dry = await send('PUT', '/v2/groups/shop?dryRun=true', { scaleBy: 2 });
    expect(dry.status).toBe(200);
    // /shop depends on /shop/db: its apps scale first.
    expect((dry.json['steps'] as { actions: { action: string; app: string }[] }[]).map((st) => st.actions.map((a) => `${a.action} ${a.app}`))).toEqual([['ScaleApplication /shop/db/pg'], ['ScaleApplication /shop/web']]);
    expect((await deployments()).filter((x) => x.affectedApps.includes('/shop/web'))).toEqual([]);
    const scaled = await send('PUT', '/v2/groups/shop', { scaleBy: 2 });
    expect(scaled.status, JSON.stringify(scaled.json)).toBe(200);
    await running('/shop/web', 2);
    await running('/shop/db/pg', 2);
    await settled(scaled.json['deploymentId'] as string);
    expect((await send('PUT', '/v2/groups/nothing', { scaleBy: 2 })).status).toBe(404);
  });

  it('PUT replaces the apps and subgroups it lists and keeps what it omits', async () => {
    const pg = await running('/shop/db/pg', 2);
    const put = await send('PUT', '/v2/groups/shop', { apps: [sleeper('api')] });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    await running('/shop/api', 1);
    await settled(put.json['deploymentId'] as string);
    expect((await send('GET', '/v2/apps/shop/web')).status).toBe(404);
    expect(await running('/shop/db/pg', 2)).toEqual(pg);
    const groupsOnly = await send('PUT', '/v2/groups/shop', { groups: [{ id: 'db' }, { id: 'extra' }] });
    expect(groupsOnly.status).toBe(200);
    await settled(groupsOnly.json['deploymentId'] as string);
    const shop = (await send('GET', '/v2/groups/shop')).json as unknown as G;
    expect(shop.groups.map((g) => g.id)).toEqual(['/shop/db', '/shop/extra']);
    expect(shop.apps.map((a) => a.id)).toEqual(['/shop/api']);
    // PUT on a missing group creates it.
    const fresh = await send('PUT', '/v2/groups/fresh', { apps: [sleeper('x', 0)] });
    expect(fresh.status).toBe(200);
    expect(((await send('GET', '/v2/groups/fresh')).json as unknown as G).apps.map((a) => a.id)).toEqual(['/fresh/x']);
  });

  it('a group deployment that cannot finish locks its apps (409 until forced) and rolls back as one', async () => {
    const stuck = await send('PUT', '/v2/groups/stuck', { apps: [{ ...sleeper('big'), cpus: 100 }, sleeper('small', 0)] });
    expect(stuck.status).toBe(200);
    const locked = await send('PUT', '/v2/groups/stuck', { scaleBy: 2 });
    expect(locked.status).toBe(409);
    expect(String(locked.json['message'])).toContain('locked');
    expect((await send('PUT', '/v2/apps/stuck/small', { instances: 1 })).status).toBe(409);
    expect((await send('DELETE', '/v2/groups/stuck')).status).toBe(409);
    const forced = await send('PUT', '/v2/groups/stuck?force=true', { scaleBy: 2 });
    expect(forced.status).toBe(200);
    expect(((await send('GET', '/v2/apps/stuck/big')).json['app'] as { instances: number }).instances).toBe(2);
    // Rolling the scale back restores both apps as they were.
    const rolledBack = await send('DELETE', `/v2/deployments/${forced.json['deploymentId'] as string}`);
    expect(rolledBack.status).toBe(200);
    expect(((await send('GET', '/v2/apps/stuck/big')).json['app'] as { instances: number }).instances).toBe(1);
    expect((await send('DELETE', '/v2/groups/stuck?force=true')).status).toBe(200);
    expect((await send('GET', '/v2/apps/stuck/big')).status).toBe(404);
  });

  it('DELETE removes the group, its subgroups and every task; then it is 404', async () => {
    const deleted = await send('DELETE', '/v2/groups/shop');
    expect(deleted.status, JSON.stringify(deleted.json)).toBe(200);
    expect(deleted.headers.get('marathon-deployment-id')).toBe(deleted.json['deploymentId']);
    await settled(deleted.json['deploymentId'] as string);
    expect((await send('GET', '/v2/groups/shop')).status).toBe(404);
    expect((await send('GET', '/v2/groups/shop/db')).status).toBe(404);
    const tasks = (await send('GET', '/v2/tasks')).json['tasks'] as { appId: string }[];
    expect(tasks.filter((t) => t.appId.startsWith('/shop/'))).toEqual([]);
    expect((await send('DELETE', '/v2/groups/shop')).status).toBe(404);
    // The root: DELETE /v2/groups removes everything that is left.
    expect((await send('DELETE', '/v2/groups')).status).toBe(200);
    expect(((await send('GET', '/v2/groups')).json as unknown as G).groups).toEqual([]);
  });
});

describe('/v2/groups: dependency order', () => {
  it('an app starts only once the apps it depends on run healthy', async () => {
    // /health is 503 until /ready; /probes counts the checks.
    const gate = path.join(tempDir('tsmesos-group-gate-'), 'gate.js');
    fs.writeFileSync(gate, `let ready = false, probes = 0;
require('http').createServer((q, s) => {
  if (q.url === '/health') { probes++; s.statusCode = ready ? 200 : 503; return s.end(); }
  if (q.url === '/ready') ready = true;
  s.end(String(probes));
}).listen(+process.env.PORT0, '127.0.0.1');
`);
    const created = await send('POST', '/v2/groups', {
      id: '/ordered',
      apps: [
        { ...sleeper('web'), dependencies: ['db'] },
        { id: 'db', cmd: `exec ${process.execPath} ${gate}`, cpus: 0.05, mem: 32, healthChecks: [{ protocol: 'HTTP', path: '/health', gracePeriodSeconds: 3600, intervalSeconds: 1, delaySeconds: 0, timeoutSeconds: 2 }] },
      ],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json['deploymentId'] as string;
    const plan = (await deployments()).find((d) => d.id === id)!;
    expect(plan.steps.map((st) => st.actions.map((a) => `${a.action} ${a.app}`))).toEqual([['StartApplication /ordered/db'], ['StartApplication /ordered/web']]);
    const db = await waitFor('db running', async () => ((await send('GET', '/v2/apps/ordered/db/tasks')).json['tasks'] as { state: string; ports: number[] }[]).find((t) => t.state === 'TASK_RUNNING'), 30_000, 100);
    const probes = async (): Promise<number> => Number(await (await fetch(`http://127.0.0.1:${db.ports[0]}/probes`)).text());
    await waitFor('two probes of db', async () => ((await probes().catch(() => 0)) >= 2 ? true : undefined), 30_000, 100);
    // db runs but has not passed a check: web has not been launched.
    expect((await send('GET', '/v2/apps/ordered/web/tasks')).json['tasks']).toEqual([]);
    await fetch(`http://127.0.0.1:${db.ports[0]}/ready`);
    await running('/ordered/web', 1);
    await settled(id);
    expect((await send('DELETE', '/v2/groups/ordered?force=true')).status).toBe(200);
  });

  it('a dependency cycle is refused', async () => {
    const r = await send('POST', '/v2/groups', { id: '/cyc', apps: [{ ...sleeper('a'), dependencies: ['b'] }, { ...sleeper('b'), dependencies: ['/cyc/a'] }] });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.json)).toContain('cyclic');
  });
});

describe('/v2/groups: hostile input', () => {
  it('malformed, oversized, non-object, invalid ids and fields: Marathon 4xx shapes', async () => {
    for (const [m, p] of [['POST', '/v2/groups'], ['PUT', '/v2/groups/h'], ['POST', '/v2/groups/h']] as const) {
      const bad = await send(m, p, '{"id": ');
      expect(bad.status).toBe(400);
      expect(bad.json['message']).toBe('Invalid JSON');
      expect((await send(m, p, JSON.stringify({ id: '/h', apps: [{ ...sleeper('a'), cmd: 'x'.repeat(2 * 1024 * 1024) }] }))).status).toBe(413);
      for (const v of [[], '"x"', 7, null]) expect((await send(m, p, v)).status).toBe(422);
    }
    const detail = async (method: string, path: string, body: unknown): Promise<string[]> => {
      const r = await send(method, path, body);
      expect(r.status, JSON.stringify(r.json)).toBe(422);
      expect(r.json['message']).toBe('Object is not valid');
      return (r.json['details'] as { path: string }[]).map((d) => d.path);
    };
    expect(await detail('POST', '/v2/groups', { id: 'Bad_Id' })).toEqual(['/id']);
    expect(await detail('POST', '/v2/groups', { id: '/h', apps: [sleeper('/elsewhere/a')] })).toEqual(['/apps(0)/id']);
    expect(await detail('POST', '/v2/groups', { id: '/h', apps: [{ ...sleeper('a'), instances: -1 }] })).toEqual(['/apps(0)/instances']);
    expect(await detail('POST', '/v2/groups', { id: '/h', apps: [sleeper('a'), sleeper('a')] })).toEqual(['/apps(1)']);
    expect(await detail('POST', '/v2/groups', { id: '/h', groups: [{ id: 'x', groups: [{ id: '/h/y' }] }] })).toEqual(['/groups(0)/groups(0)/id']);
    expect(await detail('POST', '/v2/groups', { id: '/h', scaleBy: 2 })).toEqual(['/scaleBy']);
    expect(await detail('PUT', '/v2/groups/h', { scaleBy: -1 })).toEqual(['/scaleBy']);
    expect(await detail('PUT', '/v2/groups/h', { scaleBy: '2' })).toEqual(['/scaleBy']);
    expect(await detail('PUT', '/v2/groups/h', { scaleBy: 2, apps: [] })).toEqual(['/scaleBy']);
    expect(await detail('PUT', '/v2/groups/h', { version: 'soon' })).toEqual(['/version']);
    expect(await detail('PUT', '/v2/groups/h', { version: '2020-01-01T00:00:00.000Z', apps: [] })).toEqual(['/version']);
    expect(await detail('PUT', '/v2/groups/h', { id: '/h', rogue: true })).toEqual(['/']);
    // Far deeper than JSON.stringify could write: the text is built by hand.
    const deep = `${'{"id":"d","groups":['.repeat(20_000)}{"id":"d"}${']}'.repeat(20_000)}`;
    expect(await detail('POST', '/v2/groups', deep)).toEqual(['/groups']);
    expect((await send('GET', '/v2/groups/Not_Valid')).status).toBe(422);
    expect((await send('DELETE', '/v2/groups/Not_Valid')).status).toBe(422);
    expect((await send('DELETE', '/v2/groups/none/here')).status).toBe(404);
    // PATCH is GroupPartialUpdate (group-patch-embed.test.ts); /h does not exist.
    expect((await send('PATCH', '/v2/groups/h', {})).status).toBe(404);
    expect(((await send('GET', '/v2/groups')).json as unknown as G).groups.map((g) => g.id)).not.toContain('/h');
  });

  it('random hostile bodies on every group write: always a 4xx or a success, never a 5xx', async () => {
    const rng = seededRng(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
    const FIELDS = ['id', 'apps', 'groups', 'dependencies', 'scaleBy', 'version', 'pods', 'cmd', 'instances', 'cpus', 'mem', 'enforceRole'] as const;
    const value = (depth: number): unknown => {
      const k = Math.floor(rng.next() * 9);
      if (depth > 3 || k < 4) return pick<unknown>([null, -1, 0, 0.5, 1e308, '', 'x', '/f', 'f/g', '../', true, [], {}, 'exec sleep 1', 2 ** 53]);
      if (k < 6) return Array.from({ length: Math.floor(rng.next() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rng.next() * 5) }, () => [pick(FIELDS), value(depth + 1)]));
    };
    const targets = [['POST', '/v2/groups'], ['POST', '/v2/groups/fz'], ['PUT', '/v2/groups/fz?force=true'], ['PUT', '/v2/groups/fz?dryRun=true']] as const;
    const seen = new Set<number>();
    for (let i = 0; i < 120; i++) {
      const body = { ...(rng.next() < 0.5 ? { id: '/fz' } : {}), ...(value(0) as object) };
      const [m, p] = pick(targets);
      const r = await send(m, p, body);
      seen.add(r.status);
      expect(r.status, `${m} ${p} ${JSON.stringify(body)} -> ${JSON.stringify(r.json)}`).toBeLessThan(500);
      expect(typeof r.json['message'] === 'string' || r.status < 300, JSON.stringify(r.json)).toBe(true);
    }
    expect(seen.has(422)).toBe(true);
    await send('DELETE', '/v2/groups?force=true');
    // End with every task gone, so none is still dying while the cluster stops.
    await waitFor('no tasks', async () => (((await send('GET', '/v2/tasks')).json['tasks'] as unknown[]).length === 0 ? true : undefined), 30_000, 100);
  });
});

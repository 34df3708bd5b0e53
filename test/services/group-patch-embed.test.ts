// PATCH /v2/groups/{id} and Marathon's `embed` parameters on a real master + agent.
// PATCH (Marathon's GroupsResource.patchGroup, GroupPartialUpdate): changes a top-level group's
// enforceRole in place: 200 with no body, no deployment, no new version, no task touched, and
// (no deployment, so) no 409 while a deployment of the group runs. 404 unknown group, 422 for a
// nested group or an invalid body, 405 on the root, 400/413 for broken or huge bodies.
// Embed (GroupsResource, InfoEmbedResolver): group views show bare app definitions unless
// group.apps.counts/tasks/deployments/readiness/lastTaskFailure/taskStats ask for more, and only
// the apps, pods and child groups named once any embed is given; /v2/apps and /v2/apps/{id} keep
// their fixed embeds and take the same extra ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { waitFor } from '../helpers/process.js';
import { seededRng } from '../../src/lib/rng.js';
import { jsonRequest, type JsonAnswer } from '../helpers/json-request.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
beforeAll(async () => {
  // A port range of its own: instances of other test files' clusters listen on loopback too.
  cluster = await inProcessCluster({ resources: 'cpus:2;mem:1024;disk:1024;ports:[31340-31360]' });
  await waitFor('the services API', async () => ((await fetch(`${cluster!.master}/v2/groups`)).status === 200 ? true : undefined));
});
afterAll(() => cluster?.stop());

const send = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonRequest(cluster!.master, method, path, body);
const get = async (path: string): Promise<Record<string, unknown>> => {
  const r = await send('GET', path);
  expect(r.status, `${path}: ${r.text.slice(0, 300)}`).toBe(200);
  return r.json;
};

const sleeper = (id: string, instances = 1): Record<string, unknown> => ({ id, cmd: 'exec sleep 1000', cpus: 0.01, mem: 8, instances });
interface Task { id: string; state: string }
async function running(appId: string, n: number): Promise<string[]> {
  return waitFor(`${n} running tasks of ${appId}`, async () => {
    const r = await send('GET', `/v2/apps${appId}/tasks`);
    const tasks = (r.json['tasks'] ?? []) as Task[];
    return tasks.length === n && tasks.every((t) => t.state === 'TASK_RUNNING') ? tasks.map((t) => t.id) : undefined;
  }, 30_000, 100);
}
const deployments = async (): Promise<{ id: string; affectedApps: string[] }[]> => (await send('GET', '/v2/deployments')).json as unknown as { id: string; affectedApps: string[] }[];
const settled = (id: string): Promise<boolean> => waitFor(`deployment ${id} done`, async () => ((await deployments()).some((d) => d.id === id) ? undefined : true), 30_000, 100);

function expectError(r: JsonAnswer, status: number, path?: string): void {
  expect(r.status, r.text.slice(0, 300)).toBe(status);
  expect(typeof r.json['message']).toBe('string');
  if (path !== undefined) expect((r.json['details'] as { path: string }[]).map((d) => d.path)).toContain(path);
}

type Group = Record<string, unknown> & { id: string };
const child = (g: Record<string, unknown>, id: string): Group => (g['groups'] as Group[]).find((c) => c.id === id)!;
const appOf = (g: Record<string, unknown>, id: string): Record<string, unknown> => (g['apps'] as Record<string, unknown>[]).find((a) => a['id'] === id)!;

describe('PATCH /v2/groups/{id}', () => {
  it('sets enforceRole in place: 200, no body, no deployment, same version, same tasks', async () => {
    const created = await send('POST', '/v2/groups', { id: '/team', apps: [sleeper('web')], groups: [{ id: 'sub', apps: [sleeper('db', 0)] }] });
    expect(created.status, created.text).toBe(201);
    const before = await running('/team/web', 1);
    await settled(created.json['deploymentId'] as string);
    const groupBefore = await get('/v2/groups/team');
    // POST of a top-level group without enforceRole writes false (Marathon's default); its subgroup has none.
    expect(groupBefore['enforceRole']).toBe(false);
    expect(child(groupBefore, '/team/sub')['enforceRole']).toBeUndefined();

    const r = await send('PATCH', '/v2/groups/team', { enforceRole: true });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('marathon-deployment-id')).toBeNull();
    expect(await deployments()).toEqual([]);
    const after = await get('/v2/groups/team');
    expect(after['enforceRole']).toBe(true);
    expect(after['version']).toBe(groupBefore['version']);
    expect((await get('/v2/groups'))['groups']).toContainEqual(expect.objectContaining({ id: '/team', enforceRole: true }));
    expect(await running('/team/web', 1)).toEqual(before);
    expect(((await get('/v2/apps/team/web'))['app'] as { version: string }).version).toBe(appOf(groupBefore, '/team/web')['version']);

    // The body's id may name the group of the URL, relative or absolute; an absent enforceRole is false (Marathon's default).
    expect((await send('PATCH', '/v2/groups/team', { id: '/team', enforceRole: true })).status).toBe(200);
    expect((await send('PATCH', '/v2/groups/team', { id: 'team' })).status).toBe(200);
    expect((await get('/v2/groups/team'))['enforceRole']).toBe(false);
    expect((await send('PATCH', '/v2/groups/team/', { enforceRole: true })).status).toBe(200);
    expect((await get('/v2/groups/team'))['enforceRole']).toBe(true);

    // PUT of a top-level group sets enforceRole too, false when absent (Marathon's GroupNormalization).
    const put = await send('PUT', '/v2/groups/team', { apps: [sleeper('web'), sleeper('extra', 0)] });
    expect(put.status, put.text).toBe(200);
    await settled(put.json['deploymentId'] as string);
    const afterPut = await get('/v2/groups/team');
    expect(afterPut['enforceRole']).toBe(false);
    expect((afterPut['apps'] as { id: string }[]).map((a) => a.id)).toEqual(['/team/extra', '/team/web']);
    expect(await running('/team/web', 1)).toEqual(before);
    // A PUT of a deeper group leaves the top-level setting alone; a root PUT naming the group sets it.
    expect((await send('PATCH', '/v2/groups/team', { enforceRole: true })).status).toBe(200);
    const deeper = await send('PUT', '/v2/groups/team/sub', { enforceRole: false, apps: [sleeper('db', 0)] });
    expect(deeper.status, deeper.text).toBe(200);
    await settled(deeper.json['deploymentId'] as string);
    expect((await get('/v2/groups/team'))['enforceRole']).toBe(true);
    expect((await get('/v2/groups/team/sub'))['enforceRole']).toBeUndefined();
    const dry = await send('PUT', '/v2/groups?dryRun=true', { groups: [{ id: 'team', enforceRole: false }] });
    expect(dry.status, dry.text).toBe(200);
    expect((await get('/v2/groups/team'))['enforceRole']).toBe(true);
    // A rollback restores the setting of that version along with the apps.
    const versions = (await send('GET', '/v2/groups/team/versions')).json as unknown as string[];
    const putVersion = put.json['version'] as string;
    expect(versions).toContain(putVersion);
    const back = await send('PUT', '/v2/groups/team', { version: putVersion });
    expect(back.status, back.text).toBe(200);
    await settled(back.json['deploymentId'] as string);
    expect((await get('/v2/groups/team'))['enforceRole']).toBe(false);
    expect((await send('PATCH', '/v2/groups/team', { enforceRole: true })).status).toBe(200);
    expect(await running('/team/web', 1)).toEqual(before);
  });

  it('a group only its apps imply gets the setting too, without a new version; DELETE takes it away', async () => {
    const app = await send('POST', '/v2/apps', sleeper('/implied/app', 0));
    expect(app.status, app.text).toBe(201);
    await settled(app.headers.get('marathon-deployment-id')!);
    const v = (await get('/v2/groups/implied'))['version'];
    expect((await send('PATCH', '/v2/groups/implied', { enforceRole: true })).status).toBe(200);
    const g = await get('/v2/groups/implied');
    expect(g['enforceRole']).toBe(true);
    expect(g['version']).toBe(v);
    expect((g['apps'] as { id: string }[]).map((a) => a.id)).toEqual(['/implied/app']);
    // DELETE removes the group with its setting.
    const del = await send('DELETE', '/v2/groups/implied');
    expect(del.status, del.text).toBe(200);
    await settled(del.json['deploymentId'] as string);
    expectError(await send('PATCH', '/v2/groups/implied', { enforceRole: true }), 404);
  });

  it('no lock: a deployment of the group in progress does not refuse it, with or without force', async () => {
    // An app that cannot fit keeps its deployment open.
    const r = await send('POST', '/v2/groups', { id: '/busy', apps: [{ ...sleeper('huge'), cpus: 64 }] });
    expect(r.status, r.text).toBe(201);
    const id = r.json['deploymentId'] as string;
    expect((await deployments()).map((d) => d.id)).toContain(id);
    // A write with a deployment does meet the lock (the contrast Marathon makes).
    expectError(await send('PUT', '/v2/groups/busy', { apps: [{ ...sleeper('huge'), cpus: 32 }] }), 409);
    expect((await send('PATCH', '/v2/groups/busy', { enforceRole: true })).status).toBe(200);
    expect((await send('PATCH', '/v2/groups/busy?force=true', { enforceRole: false })).status).toBe(200);
    expect((await get('/v2/groups/busy'))['enforceRole']).toBe(false);
    expect((await deployments()).map((d) => d.id)).toContain(id);
    const del = await send('DELETE', '/v2/groups/busy?force=true');
    expect(del.status, del.text).toBe(200);
    await settled(del.json['deploymentId'] as string);
  });

  it('every status code: 404, 422 nested / invalid body, 405 root, 400 malformed, 413 oversized', async () => {
    expectError(await send('PATCH', '/v2/groups/nowhere', { enforceRole: true }), 404);
    expect((await send('PATCH', '/v2/groups/nowhere', { enforceRole: true })).json['message']).toBe("Group '/nowhere' does not exist");
    const nested = await send('PATCH', '/v2/groups/team/sub', { enforceRole: true });
    expectError(nested, 422, '/id');
    expect(JSON.stringify(nested.json)).toContain('Path needs to be top-level');
    expectError(await send('PATCH', '/v2/groups', { enforceRole: true }), 405);
    expectError(await send('PATCH', '/v2/groups/', { enforceRole: true }), 405);
    expectError(await send('PATCH', '/v2/groups/team', { enforceRole: 'yes' }), 422, '/enforceRole');
    expectError(await send('PATCH', '/v2/groups/team', { enforceRole: null }), 422, '/enforceRole');
    expectError(await send('PATCH', '/v2/groups/team', { apps: [] }), 422, '/');
    expectError(await send('PATCH', '/v2/groups/team', { id: '/other', enforceRole: true }), 422, '/id');
    expectError(await send('PATCH', '/v2/groups/team', { id: 'Bad_Id' }), 422, '/id');
    expectError(await send('PATCH', '/v2/groups/team', { id: 7 }), 422, '/id');
    for (const v of [[], '"x"', 7, null, 'true']) expectError(await send('PATCH', '/v2/groups/team', v), 422);
    expectError(await send('PATCH', '/v2/groups/team', '{"enforceRole": tru'), 400);
    expectError(await send('PATCH', '/v2/groups/team', ''), 400);
    expectError(await send('PATCH', '/v2/groups/team', `{"enforceRole":true,"pad":"${'x'.repeat(1_100_000)}"}`), 413);
    expectError(await send('PATCH', '/v2/groups/Not_Valid', { enforceRole: true }), 422);
    expectError(await send('PATCH', `/v2/groups/${'a'.repeat(5000)}`, { enforceRole: true }), 422);
    expect((await send('PATCH', '/v2/groups/%E0%A4%A', { enforceRole: true })).status).toBeGreaterThanOrEqual(400);
    expect((await send('PATCH', '/v2/groups/%E0%A4%A', { enforceRole: true })).status).toBeLessThan(500);
    // Nothing of that changed the group.
    expect((await get('/v2/groups/team'))['enforceRole']).toBe(true);
  });

  it('random hostile bodies: always a 200 or a 4xx in Marathon\'s shape, never a 5xx', async () => {
    const rng = seededRng(1010);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
    const FIELDS = ['id', 'enforceRole', 'apps', 'groups', 'scaleBy', 'version', '__proto__', 'constructor'] as const;
    const value = (depth: number): unknown => {
      const k = Math.floor(rng.next() * 9);
      if (depth > 3 || k < 4) return pick<unknown>([null, -1, 0, true, false, '', 'team', '/team', '../', '/', [], {}, 1e308]);
      if (k < 6) return Array.from({ length: Math.floor(rng.next() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rng.next() * 4) }, () => [pick(FIELDS), value(depth + 1)]));
    };
    for (let i = 0; i < 150; i++) {
      const body = rng.next() < 0.1 ? JSON.stringify(value(0)).slice(0, -1) : value(0);
      const r = await send('PATCH', pick(['/v2/groups/team', '/v2/groups/team?force=true', '/v2/groups/team/sub', '/v2/groups/zz']), body);
      expect(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} ${r.text.slice(0, 200)} for ${JSON.stringify(body).slice(0, 200)}`).toBe(true);
      if (r.status !== 200) expect(typeof r.json['message']).toBe('string');
    }
    expect(await deployments()).toEqual([]);
  });
});

describe('embed on group and app views', () => {
  let webTask = '';
  beforeAll(async () => {
    // /team/web runs (from the PATCH tests); a crashing app leaves a lastTaskFailure behind.
    webTask = (await running('/team/web', 1))[0]!;
    const crash = await send('POST', '/v2/apps', { id: '/team/sub/crash', cmd: 'exit 3', cpus: 0.01, mem: 8, instances: 1, backoffSeconds: 3600, maxLaunchDelaySeconds: 3600 });
    expect(crash.status, crash.text).toBe(201);
    await waitFor('the crash to be recorded', async () => ((await get('/v2/apps/team/sub/crash'))['app'] as { lastTaskFailure?: unknown }).lastTaskFailure, 30_000, 100);
  });

  const COUNTS = ['tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy'];
  const EXTRAS = [...COUNTS, 'deployments', 'tasks', 'readinessCheckResults', 'lastTaskFailure', 'taskStats'];
  const extrasOf = (a: Record<string, unknown>): string[] => EXTRAS.filter((k) => k in a);

  it('no embed: groups, apps and pods, every app bare', async () => {
    for (const path of ['/v2/groups', '/v2/groups/team']) {
      const g = await get(path);
      expect(Object.keys(g).sort()).toEqual(expect.arrayContaining(['apps', 'dependencies', 'groups', 'id', 'pods']));
      const team = path === '/v2/groups' ? child(g, '/team') : g;
      expect(extrasOf(appOf(team, '/team/web'))).toEqual([]);
      expect(extrasOf(appOf(child(team, '/team/sub'), '/team/sub/crash'))).toEqual([]);
      expect(appOf(team, '/team/web')['cmd']).toBe('exec sleep 1000');
    }
  });

  it('each group.apps.* embed adds just its fields', async () => {
    const team = async (...embeds: string[]): Promise<Record<string, unknown>> => get(`/v2/groups/team?${embeds.map((e) => `embed=${encodeURIComponent(e)}`).join('&')}`);
    const counts = await team('group.apps', 'group.groups', 'group.apps.counts');
    expect(extrasOf(appOf(counts, '/team/web'))).toEqual(COUNTS);
    expect(appOf(counts, '/team/web')).toMatchObject({ tasksRunning: 1, tasksStaged: 0, tasksHealthy: 0, tasksUnhealthy: 0 });
    expect(extrasOf(appOf(child(counts, '/team/sub'), '/team/sub/crash'))).toEqual(COUNTS);

    const tasks = await team('group.apps', 'group.apps.tasks');
    expect(extrasOf(appOf(tasks, '/team/web'))).toEqual(['deployments', 'tasks']);
    expect((appOf(tasks, '/team/web')['tasks'] as Task[]).map((t) => t.id)).toEqual([webTask]);
    expect('groups' in tasks).toBe(false);

    expect(extrasOf(appOf(await team('group.apps', 'group.apps.deployments'), '/team/web'))).toEqual(['deployments']);
    const readiness = appOf(await team('group.apps', 'group.apps.readiness'), '/team/web');
    expect(extrasOf(readiness)).toEqual(['readinessCheckResults']);
    expect(readiness['readinessCheckResults']).toEqual([]);

    const failure = await team('group.apps', 'group.groups', 'group.apps.lastTaskFailure');
    expect(extrasOf(appOf(failure, '/team/web'))).toEqual([]);
    const crashed = appOf(child(failure, '/team/sub'), '/team/sub/crash');
    expect(extrasOf(crashed)).toEqual(['lastTaskFailure']);
    expect(crashed['lastTaskFailure']).toMatchObject({ appId: '/team/sub/crash', state: 'TASK_FAILED' });

    const stats = appOf(await team('group.apps', 'group.apps.taskStats'), '/team/web');
    expect(extrasOf(stats)).toEqual(['taskStats']);
    const summary = (stats['taskStats'] as Record<string, { stats: { counts: Record<string, number>; lifeTime: { averageSeconds: number; medianSeconds: number } } }>)['totalSummary']!;
    expect(summary.stats.counts).toEqual({ staged: 0, running: 1, healthy: 0, unhealthy: 0 });
    expect(summary.stats.lifeTime.medianSeconds).toBeGreaterThanOrEqual(0);
    // One task of one version: it is of the latest config or an outdated one, never both.
    const kinds = Object.keys(stats['taskStats'] as object);
    expect(kinds.every((k) => ['startedAfterLastScaling', 'withLatestConfig', 'withOutdatedConfig', 'totalSummary'].includes(k))).toBe(true);
    expect(kinds.includes('withLatestConfig') !== kinds.includes('withOutdatedConfig')).toBe(true);

    // The deprecated failures embed means tasks, lastTaskFailure and deployments.
    expect(extrasOf(appOf(child(await team('group.apps', 'group.groups', 'group.apps.failures'), '/team/sub'), '/team/sub/crash'))).toEqual(['deployments', 'tasks', 'lastTaskFailure']);
  });

  it('only the named parts once any embed is given; unknown embeds are ignored; hostile ones are a 400', async () => {
    const onlyTasks = await get('/v2/groups/team?embed=group.apps.tasks');
    expect(Object.keys(onlyTasks).sort()).toEqual(['dependencies', 'enforceRole', 'id', 'version']);
    const onlyGroups = await get('/v2/groups?embed=group.groups');
    expect('apps' in onlyGroups).toBe(false);
    expect('pods' in onlyGroups).toBe(false);
    expect('apps' in child(onlyGroups, '/team')).toBe(false);
    expect(child(child(onlyGroups, '/team'), '/team/sub').id).toBe('/team/sub');
    const onlyApps = await get('/v2/groups/team?embed=group.apps');
    expect('groups' in onlyApps).toBe(false);
    expect(extrasOf(appOf(onlyApps, '/team/web'))).toEqual([]);
    const unknown = await get('/v2/groups/team?embed=group.apps&embed=group.apps.bogus&embed=nonsense&embed=');
    expect(extrasOf(appOf(unknown, '/team/web'))).toEqual([]);
    expect(Object.keys(await get('/v2/groups/team?embed=bogus')).sort()).toEqual(['dependencies', 'enforceRole', 'id', 'version']);

    expectError(await send('GET', `/v2/groups?${Array.from({ length: 65 }, () => 'embed=group.apps').join('&')}`), 400);
    expectError(await send('GET', `/v2/groups/team?embed=${'x'.repeat(201)}`), 400);
    expectError(await send('GET', `/v2/apps?embed=${'x'.repeat(201)}`), 400);
    expectError(await send('GET', '/v2/groups/nowhere?embed=group.apps'), 404);
    expect((await send('GET', '/v2/groups/team?embed=%ZZ&embed=group.apps.%00')).status).toBeLessThan(500);
  });

  it('versions views take the group embeds and show bare apps', async () => {
    const versions = (await send('GET', '/v2/groups/team/versions')).json as unknown as string[];
    expect(versions.length).toBeGreaterThan(0);
    const v = encodeURIComponent(versions[0]!);
    const full = await get(`/v2/groups/team/versions/${v}`);
    expect((full['apps'] as { id: string }[]).map((a) => a.id)).toContain('/team/web');
    expect(extrasOf(appOf(full, '/team/web'))).toEqual([]);
    const groupsOnly = await get(`/v2/groups/team/versions/${v}?embed=group.groups&embed=group.apps.counts`);
    expect('apps' in groupsOnly).toBe(false);
    expect(child(groupsOnly, '/team/sub').id).toBe('/team/sub');
    const root = await get(`/v2/groups/versions/${v}?embed=group.apps`);
    expect('groups' in root).toBe(false);
    expectError(await send('GET', `/v2/groups/team/versions/${v}?embed=${'y'.repeat(300)}`), 400);
  });

  it('/v2/apps always counts and deployments, /v2/apps/{id} also tasks and lastTaskFailure; both take more', async () => {
    const list = (await get('/v2/apps'))['apps'] as Record<string, unknown>[];
    const web = list.find((a) => a['id'] === '/team/web')!;
    expect(extrasOf(web)).toEqual([...COUNTS, 'deployments']);
    const more = ((await get('/v2/apps?embed=apps.tasks&embed=apps.readiness&embed=apps.taskStats&embed=apps.lastTaskFailure'))['apps'] as Record<string, unknown>[]);
    expect(extrasOf(more.find((a) => a['id'] === '/team/web')!)).toEqual([...COUNTS, 'deployments', 'tasks', 'readinessCheckResults', 'taskStats']);
    expect(extrasOf(more.find((a) => a['id'] === '/team/sub/crash')!)).toContain('lastTaskFailure');
    // Unprefixed and app.-prefixed values resolve alike (Marathon accepts every prefix or none).
    expect(extrasOf(((await get('/v2/apps?embed=tasks'))['apps'] as Record<string, unknown>[]).find((a) => a['id'] === '/team/web')!)).toContain('tasks');
    const show = (await get('/v2/apps/team/web'))['app'] as Record<string, unknown>;
    expect(extrasOf(show)).toEqual([...COUNTS, 'deployments', 'tasks']);
    const showCrash = (await get('/v2/apps/team/sub/crash?embed=app.taskStats'))['app'] as Record<string, unknown>;
    expect(extrasOf(showCrash)).toEqual([...COUNTS, 'deployments', 'tasks', 'lastTaskFailure', 'taskStats']);
    // A view PUT back as it came is accepted (the read-only fields are dropped).
    const put = await send('PUT', '/v2/apps/team/web', { ...show, readinessCheckResults: [], taskStats: {} });
    expect(put.status, put.text).toBe(200);
    await settled(put.json['deploymentId'] as string);
    expect(await running('/team/web', 1)).toEqual([webTask]);
  });
});

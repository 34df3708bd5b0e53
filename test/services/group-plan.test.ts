import { describe, expect, it } from 'vitest';
import { parseApp, type AppDefinition } from '../../src/services/app-schema.js';
import { dependencySteps, groupExists, planDelete, planScale, planStructure, type ServicesState } from '../../src/services/group-plan.js';
import { heldApps } from '../../src/services/reconcile.js';
import { MAX_GROUP_DEPTH, parseGroupUpdate, type GroupSpec } from '../../src/services/group-update.js';

// Pure: GroupUpdate parsing (ids, Marathon paths) and what a group write changes.
const app = (id: string, extra: Record<string, unknown> = {}): AppDefinition => {
  const r = parseApp({ id, cmd: 'sleep 1000', ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.app;
};
const state = (apps: AppDefinition[], groups: string[] = []): ServicesState => ({
  apps: new Map(apps.map((a) => [a.id, a])), groups: new Map(groups.map((id) => [id, { id, dependencies: [] }])),
});
const structure = (json: unknown, base = '/'): GroupSpec => {
  const r = parseGroupUpdate(json, base);
  if (!r.ok || r.update.kind !== 'structure') throw new Error(JSON.stringify(r));
  return r.update.group;
};
const errorsAt = (json: unknown, base = '/'): Record<string, string[]> => {
  const r = parseGroupUpdate(json, base);
  if (r.ok) throw new Error('accepted');
  return Object.fromEntries(r.failure.details.map((d) => [d.path, d.errors]));
};

describe('parseGroupUpdate', () => {
  it('resolves relative ids against their group, keeps absolute children, validates apps with the app schema', () => {
    const g = structure({ id: 'shop', apps: [{ id: 'web', cmd: 'x' }, { id: '/shop/api', cmd: 'y' }], groups: [{ id: 'db', apps: [{ id: 'pg', cmd: 'z' }] }], dependencies: ['x', '/other'] });
    expect(g.id).toBe('/shop');
    expect(g.apps?.map((a) => a.id)).toEqual(['/shop/web', '/shop/api']);
    expect(g.apps?.[0]?.instances).toBe(1);
    expect(g.groups?.[0]).toMatchObject({ id: '/shop/db', apps: [{ id: '/shop/db/pg' }] });
    expect(g.dependencies).toEqual(['/shop/x', '/other']);
    expect(structure({}, '/a/b').id).toBe('/a/b');
    expect(structure({ id: 'c' }, '/a').id).toBe('/a/c');
    expect(structure({ id: '/' }, '/').id).toBe('/');
  });

  it('names the failing field at Marathon paths', () => {
    expect(errorsAt({ id: '/g', apps: [{ id: '/other/web', cmd: 'x' }] })['/apps(0)/id']?.[0]).toBe('identifier /other/web is not child of /g. Hint: use relative paths.');
    expect(errorsAt({ id: '/g', apps: [{ cmd: 'x' }] })['/apps(0)/id']).toBeDefined();
    expect(errorsAt({ id: '/g', groups: [{ id: 'a', apps: [{ id: 'w', cmd: 'x', cpus: -1 }] }] })['/groups(0)/apps(0)/cpus']).toBeDefined();
    expect(errorsAt({ id: '/g', groups: [{ apps: [] }] })['/groups(0)/id']).toBeDefined();
    expect(errorsAt({ id: 'BAD' })['/id']).toBeDefined();
    expect(errorsAt({ id: '/g', dependencies: ['no way'] })['/dependencies(0)']).toBeDefined();
    expect(errorsAt({ id: '/g', scaleBy: 2, apps: [] })['/scaleBy']).toBeDefined();
    expect(errorsAt({ id: '/g', scaleBy: -1 })['/scaleBy']).toBeDefined();
    expect(errorsAt({ id: '/g', version: 'last tuesday' })['/version']?.[0]).toContain('ISO 8601');
    expect(errorsAt({ id: '/g', version: '2020-01-01T00:00:00.000Z', scaleBy: 2 })['/version']?.[0]).toContain('only change');
    expect(parseGroupUpdate({ version: '2020-01-01T01:00:00.5+01:00' }, '/g')).toEqual({ ok: true, update: { kind: 'revert', id: '/g', version: '2020-01-01T00:00:00.500Z' } });
    expect(errorsAt({ id: '/g', pods: [{}] })['/pods']).toBeDefined();
    expect(errorsAt({ id: '/g', colour: 'red' })['/']?.[0]).toContain('colour');
    expect(errorsAt([])['/']).toBeDefined();
    expect(errorsAt({ id: '/g', groups: [{ id: 'a', scaleBy: 2 }] })['/groups(0)']).toBeDefined();
  });

  it('refuses one id given twice, as two apps or as an app and a group', () => {
    expect(Object.keys(errorsAt({ id: '/g', apps: [{ id: 'a', cmd: 'x' }, { id: 'a', cmd: 'y' }] }))).toEqual(['/apps(1)']);
    expect(Object.keys(errorsAt({ id: '/g', apps: [{ id: 'a', cmd: 'x' }], groups: [{ id: 'a' }] }))).toEqual(['/groups(0)']);
  });

  it('refuses nesting past the limit without walking it recursively, and too many apps', () => {
    let deep: Record<string, unknown> = { id: 'x' };
    for (let i = 0; i < 10_000; i++) deep = { id: 'x', groups: [deep] };
    expect(errorsAt(deep)['/groups']?.[0]).toContain(String(MAX_GROUP_DEPTH));
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `a${i}`, cmd: 'x' }));
    expect(errorsAt({ id: '/g', apps: many })['/apps']).toBeDefined();
  });
});

describe('group plans', () => {
  const now = state([app('/shop/web'), app('/shop/db/pg'), app('/other/x')], ['/shop/empty']);

  it('groups exist as rows or because apps live in them', () => {
    for (const id of ['/', '/shop', '/shop/db', '/shop/empty', '/other']) expect(groupExists(now, id)).toBe(true);
    expect(groupExists(now, '/shop/web')).toBe(false);
    expect(groupExists(now, '/nope')).toBe(false);
  });

  it('a structural update replaces the lists it gives and keeps what it omits', () => {
    const apps = planStructure(now, structure({ id: '/shop', apps: [{ id: 'api', cmd: 'x' }, { id: 'web', cmd: 'sleep 1000', instances: 3 }] }));
    if (!apps.ok) throw new Error(apps.error);
    expect(apps.plan.changes.map((c) => [c.appId, c.action]).sort()).toEqual([['/shop/api', 'StartApplication'], ['/shop/web', 'ScaleApplication']]);
    expect(apps.plan.removeGroups).toEqual([]);
    const groups = planStructure(now, structure({ id: '/shop', groups: [{ id: 'cache' }] }));
    if (!groups.ok) throw new Error(groups.error);
    expect(groups.plan.changes).toEqual([{ appId: '/shop/db/pg', app: null, action: 'StopApplication' }]);
    expect(groups.plan.removeGroups).toEqual(['/shop/empty']);
    expect(groups.plan.groups.map((g) => g.id).sort()).toEqual(['/shop', '/shop/cache']);
    const restart = planStructure(now, structure({ id: '/shop', apps: [{ id: 'web', cmd: 'sleep 2000' }] }));
    expect(restart.ok && restart.plan.changes).toEqual([{ appId: '/shop/web', app: expect.objectContaining({ cmd: 'sleep 2000' }) as unknown, action: 'RestartApplication' }]);
    const same = planStructure(now, structure({ id: '/shop', apps: [{ id: 'web', cmd: 'sleep 1000' }] }));
    expect(same.ok && same.plan.changes).toEqual([]);
  });

  it('refuses an app where a group is and a group where an app is', () => {
    expect(planStructure(now, structure({ id: '/', apps: [{ id: 'shop', cmd: 'x' }] }))).toMatchObject({ ok: false, error: expect.stringContaining('/shop') as unknown });
    expect(planStructure(now, structure({ id: '/shop', groups: [{ id: 'web' }] }))).toMatchObject({ ok: false });
    // Unless the same update removes the app first.
    expect(planStructure(now, structure({ id: '/shop', apps: [], groups: [{ id: 'web' }, { id: 'db' }] })).ok).toBe(true);
  });

  it('scaleBy multiplies every app below the group, rounding up; a delete stops them all', () => {
    const s = state([app('/g/a', { instances: 3 }), app('/g/sub/b', { instances: 1 }), app('/h/c', { instances: 2 })]);
    const scaled = planScale(s, '/g', 1.5);
    expect(scaled.ok && scaled.plan.changes.map((c) => [c.appId, c.app?.instances])).toEqual([['/g/a', 5], ['/g/sub/b', 2]]);
    expect(planScale(s, '/g', 1).ok && (planScale(s, '/g', 1) as { plan: { changes: unknown[] } }).plan.changes).toEqual([]);
    expect(planScale(s, '/', 1000).ok).toBe(true);
    expect(planScale(state([app('/g/a', { instances: 100_000 })]), '/g', 2)).toMatchObject({ ok: false, path: '/scaleBy' });
    expect(planDelete(s, '/g').changes.map((c) => c.appId)).toEqual(['/g/a', '/g/sub/b']);
    expect(planDelete(s, '/').changes).toHaveLength(3);
  });
});

describe('dependency order', () => {
  it('orders started apps after what they depend on, through app and group dependencies; stops are not ordered', () => {
    const r = planStructure(state([app('/shop/old')]), structure({
      id: '/shop', dependencies: [],
      apps: [{ id: 'web', cmd: 'x', dependencies: ['api'] }, { id: 'api', cmd: 'x', dependencies: ['/shop/data'] }],
      groups: [{ id: 'data', apps: [{ id: 'pg', cmd: 'x' }, { id: 'cache', cmd: 'x' }] }, { id: 'tools', dependencies: ['/shop/web'], apps: [{ id: 'cron', cmd: 'x' }] }],
    }));
    if (!r.ok) throw new Error(r.error);
    expect(r.plan.steps).toEqual([['/shop/data/cache', '/shop/data/pg'], ['/shop/api'], ['/shop/web'], ['/shop/tools/cron']]);
    expect(r.plan.changes.find((c) => c.appId === '/shop/old')?.action).toBe('StopApplication');
    // Apps that do not change are no step, even when depended on.
    const scaled = planScale(state([app('/g/a', { dependencies: ['/g/b'] }), app('/g/b')]), '/g', 2);
    expect(scaled.ok && scaled.plan.steps).toEqual([['/g/b'], ['/g/a']]);
  });

  it('refuses a cycle', () => {
    const r = planStructure(state([]), structure({ id: '/c', apps: [{ id: 'a', cmd: 'x', dependencies: ['b'] }, { id: 'b', cmd: 'x', dependencies: ['a'] }] }));
    expect(r).toMatchObject({ ok: false, error: 'Dependency graph has cyclic dependencies.' });
    expect(dependencySteps([{ appId: '/x', app: app('/x', { dependencies: ['/x'] }), action: 'StartApplication' }], new Map(), new Map())).toEqual([['/x']]);
  });

  it('holds every later step while an app of an earlier one is unsettled', () => {
    const steps = [['/a', '/b'], ['/c'], ['/d']];
    expect([...heldApps([steps], (id) => id !== '/b')]).toEqual(['/c', '/d']);
    expect([...heldApps([steps], (id) => id !== '/c')]).toEqual(['/d']);
    expect(heldApps([steps], () => true).size).toBe(0);
  });
});

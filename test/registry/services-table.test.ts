import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { MAX_APP_VERSIONS, MAX_GROUP_VERSIONS, MAX_GROUP_VERSIONS_CHARS, servicesTable } from '../../src/registry/services-table.js';
import { tempDir } from '../helpers/process.js';

// The services scheduler's tables (migrations 9, 10 and 13): what each command leaves behind, and that a
// snapshot carries all of it to another master.

describe('services registry module', () => {
  it('deploys, versions, deletes apps; tracks instances, delays and deployments; survives a snapshot', () => {
    const a = Registry.open(tempDir());
    let i = 0;
    a.apply(++i, { type: 'SERVICES_FRAMEWORK_ID', frameworkId: 'fw-1' });
    for (let v = 0; v < MAX_APP_VERSIONS + 5; v++) {
      const version = `2026-12-01T00:00:${String(v).padStart(2, '0')}.000Z`;
      a.apply(++i, {
        type: 'SERVICES_DEPLOY', appId: '/web', app: { version, definition: { n: v } },
        deployment: { id: `d${v}`, appId: '/web', plan: { v } }, removeDeployments: v > 0 ? [`d${v - 1}`] : [], resetDelay: false,
      });
    }
    expect(servicesTable.versions(a.db, '/web')).toHaveLength(MAX_APP_VERSIONS);
    expect(servicesTable.app(a.db, '/web')?.definition).toEqual({ n: MAX_APP_VERSIONS + 4 });
    expect(servicesTable.deployments(a.db).map((d) => d.id)).toEqual([`d${MAX_APP_VERSIONS + 4}`]);
    a.apply(++i, { type: 'SERVICES_INSTANCES_LAUNCHED', instances: [{ taskId: 't1', appId: '/web', record: { x: 1 } }, { taskId: 't2', appId: '/web', record: { x: 2 } }] });
    a.apply(++i, { type: 'SERVICES_INSTANCES_REMOVED', taskIds: ['t1'] });
    a.apply(++i, { type: 'SERVICES_LAUNCH_DELAY', appId: '/web', failures: 2, delayUntil: 1234 });

    const b = Registry.open(tempDir());
    b.restore(a.snapshot(), a.appliedIndex());
    for (const r of [a, b]) {
      expect(servicesTable.frameworkId(r.db)).toBe('fw-1');
      expect(servicesTable.instances(r.db)).toEqual([{ taskId: 't2', appId: '/web', record: { x: 2 } }]);
      expect(servicesTable.launchDelays(r.db)).toEqual([{ appId: '/web', failures: 2, delayUntil: 1234 }]);
      expect(servicesTable.versions(r.db, '/web')).toHaveLength(MAX_APP_VERSIONS);
    }

    // A config change resets the delay; failures 0 removes it; deleting the app removes its versions too.
    b.apply(++i, { type: 'SERVICES_DEPLOY', appId: '/web', app: { version: 'z', definition: {} }, deployment: null, removeDeployments: [], resetDelay: true });
    expect(servicesTable.launchDelays(b.db)).toEqual([]);
    b.apply(++i, { type: 'SERVICES_DEPLOY', appId: '/web', app: null, deployment: { id: 'stop', appId: '/web', plan: {} }, removeDeployments: [], resetDelay: false });
    expect(servicesTable.app(b.db, '/web')).toBeUndefined();
    expect(servicesTable.versions(b.db, '/web')).toEqual([]);
    b.apply(++i, { type: 'SERVICES_DEPLOYMENTS_DONE', ids: ['stop', `d${MAX_APP_VERSIONS + 4}`] });
    expect(servicesTable.deployments(b.db)).toEqual([]);
    a.close();
    b.close();
  });

  it('a group deploy writes its apps, group rows and one deployment atomically, and travels in a snapshot', () => {
    const a = Registry.open(tempDir());
    a.apply(1, { type: 'SERVICES_DEPLOY', appId: '/g/old', app: { version: 'v0', definition: { n: 0 } }, deployment: { id: 'd0', appId: '/g/old', plan: {} }, removeDeployments: [], resetDelay: false });
    a.apply(2, { type: 'SERVICES_LAUNCH_DELAY', appId: '/g/old', failures: 1, delayUntil: 5 });
    a.apply(3, {
      type: 'SERVICES_DEPLOY_GROUP',
      apps: [{ appId: '/g/a', app: { version: 'v1', definition: { n: 1 } }, resetDelay: true }, { appId: '/g/old', app: null, resetDelay: false }],
      deployment: { id: 'd1', appId: '/g/a', plan: { group: '/g' } }, removeDeployments: ['d0'],
      groups: [{ id: '/g', definition: { id: '/g', dependencies: ['/x'], version: 'v1' } }, { id: '/g/empty', definition: { id: '/g/empty' } }], removeGroups: [],
    });
    a.apply(4, { type: 'SERVICES_DEPLOY_GROUP', apps: [], deployment: { id: 'd2', appId: '/g', plan: {} }, removeDeployments: [], groups: [], removeGroups: ['/g/empty'] });
    const b = Registry.open(tempDir());
    b.restore(a.snapshot(), a.appliedIndex());
    for (const r of [a, b]) {
      expect(servicesTable.apps(r.db).map((x) => x.id)).toEqual(['/g/a']);
      expect(servicesTable.versions(r.db, '/g/old')).toEqual([]);
      expect(servicesTable.launchDelays(r.db)).toEqual([]);
      expect(servicesTable.deployments(r.db).map((d) => d.id)).toEqual(['d1', 'd2']);
      expect(servicesTable.groups(r.db)).toEqual([{ id: '/g', definition: { id: '/g', dependencies: ['/x'], version: 'v1' } }]);
    }
    a.close();
    b.close();
  });
  it('a deploy with a rootVersion records the root after it (apps and group rows), keeps the newest, and travels in a snapshot', () => {
    const a = Registry.open(tempDir());
    let i = 0;
    // Log entries from before migration 13 carry no rootVersion: no root version is made.
    a.apply(++i, { type: 'SERVICES_DEPLOY', appId: '/old', app: { version: 'v', definition: { n: -1 } }, deployment: null, removeDeployments: [], resetDelay: false });
    expect(servicesTable.groupVersions(a.db)).toEqual([]);
    for (let v = 0; v < MAX_GROUP_VERSIONS + 3; v++) {
      const version = `2026-12-01T00:${String(Math.floor(v / 60)).padStart(2, '0')}:${String(v % 60).padStart(2, '0')}.000Z`;
      a.apply(++i, {
        type: 'SERVICES_DEPLOY_GROUP', apps: [{ appId: '/g/a', app: { version, definition: { n: v } }, resetDelay: false }],
        deployment: { id: `d${v}`, appId: '/g/a', plan: {} }, removeDeployments: [], groups: [{ id: '/g', definition: { id: '/g', dependencies: [], version } }], removeGroups: [],
        rootVersion: version,
      });
    }
    a.apply(++i, { type: 'SERVICES_DEPLOY', appId: '/old', app: null, deployment: null, removeDeployments: [], resetDelay: false, rootVersion: '2026-12-02T00:00:00.000Z' });
    const b = Registry.open(tempDir());
    b.restore(a.snapshot(), a.appliedIndex());
    for (const r of [a, b]) {
      const versions = servicesTable.groupVersions(r.db);
      expect(versions).toHaveLength(MAX_GROUP_VERSIONS);
      expect(versions[0]).toBe('2026-12-02T00:00:00.000Z');
      expect(versions).not.toContain('2026-12-01T00:00:00.000Z');
      expect(servicesTable.groupVersion(r.db, versions[0]!)).toEqual({ apps: [{ n: MAX_GROUP_VERSIONS + 2 }], groups: [{ id: '/g', dependencies: [], version: versions[1] }] });
      expect(servicesTable.groupVersion(r.db, versions[1]!)?.apps).toEqual([{ n: MAX_GROUP_VERSIONS + 2 }, { n: -1 }]);
      expect(servicesTable.groupVersion(r.db, 'nope')).toBeUndefined();
    }
    a.close();
    b.close();
  });
  it('root versions are also kept within MAX_GROUP_VERSIONS_CHARS, the newest always', () => {
    const a = Registry.open(tempDir());
    const big = 'x'.repeat(Math.ceil(MAX_GROUP_VERSIONS_CHARS / 3));
    for (let v = 0; v < 5; v++) {
      const version = `2026-12-01T00:00:0${v}.000Z`;
      a.apply(v + 1, { type: 'SERVICES_DEPLOY', appId: '/big', app: { version, definition: { big, v } }, deployment: null, removeDeployments: [], resetDelay: false, rootVersion: version });
    }
    // Each root is a third of the budget: the newest two fit, a third would exceed it.
    expect(servicesTable.groupVersions(a.db)).toEqual(['2026-12-01T00:00:04.000Z', '2026-12-01T00:00:03.000Z']);
    a.close();
  });
});

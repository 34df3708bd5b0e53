import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { MAX_APP_VERSIONS, servicesTable } from '../../src/registry/services-table.js';
import { tempDir } from '../helpers/process.js';

// The services scheduler's tables (migration 6): what each command leaves behind, and that a
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
});

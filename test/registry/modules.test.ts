import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { APPLY_CASES, REGISTRY_MODULES, SNAPSHOT_TABLES, isLocalTable } from '../../src/registry/modules.js';
import { snapshotRegistry } from '../../src/registry/snapshot.js';
import { SqliteStorage } from '../../src/consensus/sqlite-storage.js';
import { setIdentity } from '../../src/consensus/identity.js';
import { tempDir } from '../helpers/process.js';

// Adding a replicated table is one module (src/registry/replicated-module.ts). These checks
// catch a table that a migration creates but no module replicates: after a snapshot install
// its rows would silently differ between masters.

/** Every table of a master's database: the registry's migrations plus the Raft log that shares the file. */
function tablesOfAMasterDatabase(registry: Registry): string[] {
  new SqliteStorage(registry.db);
  setIdentity(registry.db, '127.0.0.1:5050');
  const rows = registry.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  return rows.map((r) => r.name);
}

describe('replicated modules', () => {
  it('every table in the schema is in the snapshot or declared local, and every snapshot table exists', () => {
    const registry = Registry.open(tempDir());
    const tables = tablesOfAMasterDatabase(registry);
    const replicated = SNAPSHOT_TABLES.map((t) => t.name);
    const unaccounted = tables.filter((t) => !replicated.includes(t) && !isLocalTable(t));
    expect(unaccounted, 'tables neither replicated by a module in src/registry/modules.ts nor declared local').toEqual([]);
    expect(replicated.filter((t) => !tables.includes(t))).toEqual([]);
    expect(tables.filter(isLocalTable).sort()).toEqual(['raft_entries', 'raft_hard_state', 'raft_identity', 'raft_snapshot']);
    registry.close();
  });

  it('no table is claimed twice, and no replicated table is also local', () => {
    const replicated = SNAPSHOT_TABLES.map((t) => t.name);
    expect(new Set(replicated).size).toBe(replicated.length);
    expect(replicated.filter(isLocalTable)).toEqual([]);
  });

  it('the known commands are exactly the modules\' apply cases', () => {
    const declared = REGISTRY_MODULES.flatMap((m) => Object.keys(m.apply)).sort();
    expect([...APPLY_CASES.keys()].sort()).toEqual(declared);
    expect(declared).toEqual([
      'ADD_FRAMEWORK', 'ADMIT_AGENT', 'CREATE_JOIN_TOKEN', 'MARK_AGENT_REACHABLE', 'MARK_AGENT_UNREACHABLE', 'NOOP', 'REMOVE_AGENT',
      'REMOVE_FRAMEWORK', 'REMOVE_PRINCIPAL', 'REVOKE_JOIN_TOKEN', 'SERVICES_DEPLOY', 'SERVICES_DEPLOYMENTS_DONE', 'SERVICES_DEPLOY_GROUP', 'SERVICES_FRAMEWORK_ID', 'SERVICES_GROUPS_PATCH', 'SERVICES_INSTANCES_LAUNCHED', 'SERVICES_INSTANCES_REMOVED',
      'SERVICES_LAUNCH_DELAY', 'SET_AGENT_MAINTENANCE', 'SET_AGENT_RESERVATIONS', 'SET_CLUSTER_CA', 'SET_FRAMEWORK_DEADLINE', 'SET_MAINTENANCE', 'SET_PRINCIPAL', 'UPDATE_AGENT', 'UPDATE_FRAMEWORK',
      'UPDATE_QUOTAS', 'UPDATE_WEIGHTS', 'USE_JOIN_TOKEN',
    ]);
  });

  it('local rows stay out of the image; replicated meta rows travel', () => {
    const registry = Registry.open(tempDir());
    registry.apply(1, { type: 'NOOP' });
    registry.db.prepare("INSERT INTO registry_meta (key, value) VALUES ('cluster_note', 'x')").run();
    const image = JSON.parse(new TextDecoder().decode(snapshotRegistry(registry.db))) as { tables: Record<string, { key: string }[]> };
    expect(Object.keys(image.tables)).toEqual(SNAPSHOT_TABLES.map((t) => t.name));
    expect(image.tables['registry_meta']!.map((r) => r.key)).toEqual(['cluster_note']);
    registry.close();
  });
});

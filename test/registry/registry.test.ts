import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { SCHEMA_VERSION, migrate } from '../../src/registry/migrations.js';
import { decodeCommand, encodeCommand, type AgentRecord, type RegistryCommand } from '../../src/registry/commands.js';
import { openDatabase } from '../../src/lib/sqlite.js';
import { tempDir } from '../helpers/process.js';

const agent = (id: string, port = 5051): AgentRecord => ({
  id, hostname: 'h', ip: '127.0.0.1', port, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }], attributes: [], registeredAt: 1000,
});

describe('registry (real SQLite files)', () => {
  it('migrates a fresh database to the latest schema, idempotently', () => {
    const dir = tempDir();
    const db = openDatabase(path.join(dir, 'r.db'));
    migrate(db);
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database written by a newer schema', () => {
    const dir = tempDir();
    const db = openDatabase(path.join(dir, 'r.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this binary/);
    db.close();
  });

  it('applies commands through one switch and recovers them after reopening', () => {
    const dir = tempDir();
    const r1 = Registry.open(dir);
    const commands: RegistryCommand[] = [
      { type: 'ADMIT_AGENT', agent: agent('a1') },
      { type: 'ADMIT_AGENT', agent: agent('a2') },
      { type: 'UPDATE_AGENT', agent: agent('a1', 6000) },
      { type: 'REMOVE_AGENT', agentId: 'a2', at: 2000 },
      { type: 'ADD_FRAMEWORK', framework: { id: 'f1', info: { user: 'u', name: 'n', roles: [], capabilities: [] }, registeredAt: 5 } },
      { type: 'REMOVE_FRAMEWORK', frameworkId: 'f1', at: 6 },
    ];
    commands.forEach((cmd, i) => r1.apply(i + 1, cmd));
    expect(r1.appliedIndex()).toBe(6);
    r1.close();
    const r2 = Registry.open(dir);
    expect(r2.agents()).toEqual([agent('a1', 6000)]);
    expect(r2.frameworks()).toEqual([]);
    expect(r2.isFrameworkRemoved('f1')).toBe(true);
    expect(r2.appliedIndex()).toBe(6);
    r2.close();
  });

  it('apply is idempotent for already-applied indexes (replay after a crash)', () => {
    const r = Registry.open(tempDir());
    r.apply(1, { type: 'ADMIT_AGENT', agent: agent('a1') });
    r.apply(2, { type: 'REMOVE_AGENT', agentId: 'a1', at: 1 });
    r.apply(1, { type: 'ADMIT_AGENT', agent: agent('a1') }); // stale replay: ignored
    expect(r.agents()).toEqual([]);
    expect(r.appliedIndex()).toBe(2);
    r.close();
  });

  it('a failing apply rolls back the whole entry', () => {
    const r = Registry.open(tempDir());
    expect(() => r.apply(1, { type: 'ADMIT_AGENT', agent: { ...agent('a1'), hostname: null as unknown as string } })).toThrow();
    expect(r.appliedIndex()).toBe(0);
    expect(r.agents()).toEqual([]);
    r.close();
  });

  it('keeps role weights and quotas, across reopening and through a snapshot', () => {
    const dir = tempDir();
    const r1 = Registry.open(dir);
    r1.apply(1, { type: 'UPDATE_WEIGHTS', weights: [{ role: 'eng', weight: 2.5 }, { role: 'ops', weight: 1 }] });
    r1.apply(2, { type: 'UPDATE_QUOTAS', quotas: [{ role: 'eng', guarantee: 'cpus:2;mem:1024', limit: 'cpus:8' }, { role: 'ops', guarantee: 'cpus:1', limit: null }] });
    r1.apply(3, { type: 'UPDATE_QUOTAS', quotas: [{ role: 'ops', guarantee: '', limit: null }] }); // removes ops's quota
    expect([...r1.roleWeights()]).toEqual([['eng', 2.5]]); // weight 1 is the default: not stored
    expect(r1.roleQuotas()).toEqual([{ role: 'eng', guarantee: 'cpus:2;mem:1024', limit: 'cpus:8' }]);
    const image = r1.snapshot();
    r1.close();
    const r2 = Registry.open(dir);
    expect(r2.roleQuotas()).toHaveLength(1);
    const r3 = Registry.open(tempDir());
    r3.restore(image, 3);
    expect([...r3.roleWeights()]).toEqual([['eng', 2.5]]);
    expect(r3.roleQuotas()[0]?.limit).toBe('cpus:8');
    r2.close();
    r3.close();
  });

  it('decoding refuses unknown command types instead of skipping them', () => {
    expect(decodeCommand(encodeCommand({ type: 'NOOP' }))).toEqual({ type: 'NOOP' });
    expect(() => decodeCommand('{"type":"FUTURE_THING"}')).toThrow(/unknown command type/);
  });

  it('the data dir is created private', () => {
    const dir = path.join(tempDir(), 'nested', 'dir');
    Registry.open(dir).close();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('marks agents unreachable and reachable; snapshots carry the mark', async () => {
    const { snapshotRegistry, restoreRegistry } = await import('../../src/registry/snapshot.js');
    const r = Registry.open(tempDir());
    r.apply(1, { type: 'ADMIT_AGENT', agent: agent('a1') });
    r.apply(2, { type: 'MARK_AGENT_UNREACHABLE', agentId: 'a1', at: 42 });
    r.apply(3, { type: 'MARK_AGENT_UNREACHABLE', agentId: 'ghost', at: 43 }); // unknown agents are not marked
    expect([...r.unreachableAgents()]).toEqual([['a1', 42]]);
    const image = snapshotRegistry(r.db);
    r.apply(4, { type: 'MARK_AGENT_REACHABLE', agentId: 'a1' });
    expect(r.unreachableAgents().size).toBe(0);
    const other = Registry.open(tempDir());
    restoreRegistry(other.db, image, 3);
    expect([...other.unreachableAgents()]).toEqual([['a1', 42]]);
    expect(other.appliedIndex()).toBe(3);
    r.close();
    other.close();
  });
});

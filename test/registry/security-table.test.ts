import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import type { RegistryCommand } from '../../src/registry/commands.js';
import { tempDir } from '../helpers/process.js';

const token = (id: string, maxUses: number | null, expiresAt = 10_000) => ({ id, secretHash: 'h'.repeat(64), role: 'agent' as const, createdAt: 1, expiresAt, maxUses });

describe('security module of the registry (real SQLite)', () => {
  it('keeps the first CA proposed and ignores later ones', () => {
    const r = Registry.open(tempDir());
    r.apply(1, { type: 'SET_CLUSTER_CA', certPem: 'cert-1', keyPem: 'key-1', at: 5 });
    r.apply(2, { type: 'SET_CLUSTER_CA', certPem: 'cert-2', keyPem: 'key-2', at: 6 });
    expect(r.clusterCa()).toEqual({ certPem: 'cert-1', keyPem: 'key-1', createdAt: 5 });
    r.close();
  });

  it('counts uses only while a token is usable: never past max uses, after expiry or revocation', () => {
    const r = Registry.open(tempDir());
    const cmds: RegistryCommand[] = [
      { type: 'CREATE_JOIN_TOKEN', token: token('a', 2) },
      { type: 'CREATE_JOIN_TOKEN', token: token('b', null, 100) },
      { type: 'USE_JOIN_TOKEN', id: 'a', at: 10 },
      { type: 'USE_JOIN_TOKEN', id: 'a', at: 11 },
      { type: 'USE_JOIN_TOKEN', id: 'a', at: 12 },
      { type: 'USE_JOIN_TOKEN', id: 'b', at: 99 },
      { type: 'USE_JOIN_TOKEN', id: 'b', at: 100 },
      { type: 'REVOKE_JOIN_TOKEN', id: 'b', at: 101 },
      { type: 'REVOKE_JOIN_TOKEN', id: 'b', at: 102 },
      { type: 'USE_JOIN_TOKEN', id: 'b', at: 50 },
    ];
    cmds.forEach((c, i) => r.apply(i + 1, c));
    expect(r.joinToken('a')).toMatchObject({ uses: 2, maxUses: 2, revokedAt: null });
    expect(r.joinToken('b')).toMatchObject({ uses: 1, maxUses: null, revokedAt: 101 });
    expect(r.joinTokens().map((t) => t.id)).toEqual(['a', 'b']);
    r.close();
  });

  it('travels in snapshots', () => {
    const a = Registry.open(tempDir());
    a.apply(1, { type: 'SET_CLUSTER_CA', certPem: 'c', keyPem: 'k', at: 1 });
    a.apply(2, { type: 'CREATE_JOIN_TOKEN', token: token('t', 1) });
    const b = Registry.open(tempDir());
    b.restore(a.snapshot(), 2);
    expect(b.clusterCa()).toEqual(a.clusterCa());
    expect(b.joinTokens()).toEqual(a.joinTokens());
    a.close();
    b.close();
  });
});

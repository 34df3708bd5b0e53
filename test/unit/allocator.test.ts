import { describe, expect, it } from 'vitest';
import { Resources } from '../../src/domain/resources.js';
import { allocate, forRole, isAllocatable } from '../../src/master/allocator/allocate.js';
import { dominantShare, drfCompare } from '../../src/master/allocator/drf.js';

const R = (s: string): Resources => Resources.parse(s);
const fw = (id: string, allocated = '', extra: Partial<Parameters<typeof allocate>[1][number]> = {}) => ({
  id, roles: ['*'], suppressedRoles: new Set<string>(), allocated: R(allocated), filters: [], ...extra,
});

describe('DRF allocation (pure)', () => {
  it('dominant share is the largest fraction over cpus, mem, disk, gpus', () => {
    expect(dominantShare(R('cpus:1;mem:512'), R('cpus:4;mem:1024'))).toBe(0.5);
    expect(dominantShare(R(''), R('cpus:4'))).toBe(0);
    expect(dominantShare(R('cpus:1'), R(''))).toBe(0);
  });

  it('orders by share, then allocation count, then id (a total order)', () => {
    const list = [
      { id: 'b', share: 0.1, allocations: 0 },
      { id: 'a', share: 0.1, allocations: 0 },
      { id: 'c', share: 0.05, allocations: 3 },
      { id: 'd', share: 0.1, allocations: 1 },
    ];
    expect([...list].sort(drfCompare).map((x) => x.id)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('offers each agent whole to the framework with the lowest dominant share', () => {
    const total = R('cpus:8;mem:8192');
    const agents = [{ id: 'a1', available: R('cpus:4;mem:4096') }, { id: 'a2', available: R('cpus:4;mem:4096') }];
    const decisions = allocate(agents, [fw('f-heavy', 'cpus:3'), fw('f-light', 'cpus:1')], total, 0);
    expect(decisions.map((d) => [d.agentId, d.frameworkId])).toEqual([['a1', 'f-light'], ['a2', 'f-heavy']]);
    expect(decisions[0]!.resources.equals(R('cpus:4;mem:4096'))).toBe(true);
  });

  it('skips suppressed roles, active filters and unallocatable leftovers', () => {
    const agents = [{ id: 'a1', available: R('cpus:1;mem:64') }];
    expect(allocate(agents, [fw('f', '', { suppressedRoles: new Set(['*']) })], R('cpus:1;mem:64'), 0)).toEqual([]);
    const filtered = fw('f', '', { filters: [{ agentId: 'a1', resources: R('cpus:2;mem:128'), until: 100 }] });
    expect(allocate(agents, [filtered], R('cpus:1;mem:64'), 50)).toEqual([]);
    expect(allocate(agents, [filtered], R('cpus:1;mem:64'), 150)).toHaveLength(1); // expired
    expect(allocate([{ id: 'a1', available: R('cpus:0.001;mem:1') }], [fw('f')], R('cpus:1'), 0)).toEqual([]);
  });

  it('a filter matches only when the refused resources contain the candidate', () => {
    const agents = [{ id: 'a1', available: R('cpus:4;mem:4096') }];
    const smallFilter = fw('f', '', { filters: [{ agentId: 'a1', resources: R('cpus:1;mem:64'), until: 100 }] });
    expect(allocate(agents, [smallFilter], R('cpus:4;mem:4096'), 0)).toHaveLength(1);
  });

  it('role reservations go only to that role', () => {
    const r = R('cpus(web):2;cpus:1;mem:256');
    expect(forRole(r, 'web').scalar('cpus')).toBe(3);
    expect(forRole(r, 'db').scalar('cpus')).toBe(1);
    expect(isAllocatable(R('mem:32'))).toBe(true);
    expect(isAllocatable(R('cpus:0.001;mem:31'))).toBe(false);
  });
});

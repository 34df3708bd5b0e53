import { describe, expect, it } from 'vitest';
import { Resources } from '../../src/domain/resources.js';
import { allocate, forRole, type AllocFramework } from '../../src/master/allocator/allocate.js';
import { DEFAULT_MIN_ALLOCATABLE, isAllocatable, parseMinAllocatable } from '../../src/domain/min-allocatable.js';
import { dominantShare, drfCompare } from '../../src/master/allocator/drf.js';
import { DrfSorter } from '../../src/master/allocator/sorter.js';
import { rolePath } from '../../src/master/allocator/roles.js';

// Table tests of the pure allocator, in the Mesos resource syntax. Each scenario lists the
// agents' free resources, the frameworks (roles, what they hold per role), weights and
// quotas, and the offers expected, in the order they are made: `agent -> framework (role) resources`.

const R = (s: string): Resources => Resources.parse(s);

interface Scenario {
  agents: Record<string, string>;
  /** The master's minimum allocatable resources in the flag syntax ('' = none: anything is allocatable). */
  minAllocatable?: string;
  frameworks: Record<string, { gpu?: boolean; roles?: string[]; min?: Record<string, string>; holds?: Record<string, string>; suppressed?: string[]; filters?: { agent: string; resources: string; until: number }[] }>;
  weights?: Record<string, number>;
  quotas?: Record<string, { guarantee?: string; limit?: string }>;
  /** Held by roles without an active framework (counts for quota). */
  roleHolds?: Record<string, string>;
  total?: string;
  now?: number;
}

function run(s: Scenario): string[] {
  const agents = Object.entries(s.agents).map(([id, r]) => ({ id, available: R(r), hasGpus: R(r).scalar('gpus') > 0 }));
  const frameworks: AllocFramework[] = Object.entries(s.frameworks).map(([id, f]) => ({
    id,
    roles: f.roles ?? ['*'],
    suppressedRoles: new Set(f.suppressed ?? []),
    allocated: new Map(Object.entries(f.holds ?? {}).map(([role, r]) => [role, R(r)])),
    filters: (f.filters ?? []).map((x) => ({ agentId: x.agent, resources: R(x.resources), until: x.until })),
    gpuAware: f.gpu === true,
    ...(f.min ? { minAllocatable: new Map(Object.entries(f.min).map(([role, m]) => [role, m === '' ? [] : parseMinAllocatable(m)])) } : {}),
  }));
  let total = s.total !== undefined ? R(s.total) : Resources.empty();
  if (s.total === undefined) {
    for (const a of agents) total = total.add(a.available);
    for (const f of frameworks) for (const r of f.allocated.values()) total = total.add(r);
  }
  const roleAllocations = new Map<string, Resources>();
  for (const f of frameworks) for (const [role, r] of f.allocated) roleAllocations.set(role, (roleAllocations.get(role) ?? Resources.empty()).add(r));
  for (const [role, r] of Object.entries(s.roleHolds ?? {})) roleAllocations.set(role, (roleAllocations.get(role) ?? Resources.empty()).add(R(r)));
  const decisions = allocate({
    agents, frameworks, total, now: s.now ?? 0,
    weights: new Map(Object.entries(s.weights ?? {})),
    quotas: new Map(Object.entries(s.quotas ?? {}).map(([role, q]) => [role, { guarantee: R(q.guarantee ?? ''), limit: q.limit !== undefined ? R(q.limit) : null }])),
    roleAllocations,
    ...(s.minAllocatable !== undefined ? { minAllocatable: s.minAllocatable === '' ? [] : parseMinAllocatable(s.minAllocatable) } : {}),
  });
  return decisions.map((d) => `${d.agentId} -> ${d.frameworkId} (${d.role}) ${d.resources.toString()}`);
}

describe('DRF building blocks', () => {
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

  it('the sorter stays sorted as allocations change shares, weights dividing them', () => {
    const s = new DrfSorter(R('cpus:10'));
    s.add('x', R('cpus:1'));
    s.add('y', R('cpus:2'), 4); // weighted share 0.05
    s.add('z', R(''));
    expect(s.sorted().map((c) => c.name)).toEqual(['z', 'y', 'x']);
    s.allocate('z', R('cpus:3'));
    expect(s.sorted().map((c) => c.name)).toEqual(['y', 'x', 'z']);
  });

  it('the sorter order equals a full sort after any sequence of allocations (seeded, one or many between reads)', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const s = new DrfSorter(R('cpus:100;mem:1000'));
      const n = 1 + rnd(40);
      for (let i = 0; i < n; i++) s.add(`c${i}`, R(`cpus:${rnd(5)};mem:${rnd(50)}`), 1 + rnd(3));
      for (let step = 0; step < 60; step++) {
        const iterated = s.sorted();
        const before = iterated.map((c) => c.name);
        const burst = 1 + rnd(3);
        for (let b = 0; b < burst; b++) s.allocate(`c${rnd(n)}`, R(rnd(4) === 0 ? '' : `cpus:${rnd(3)};mem:${rnd(20)}`));
        // What a walk iterates does not change under it...
        expect(iterated.map((c) => c.name)).toEqual(before);
        // ...and the next read is the full order (share, then allocations, then name).
        const got = s.sorted().map((c) => c.name);
        const want = [...s.sorted()].sort((a, b) => a.share - b.share || a.allocations - b.allocations || (a.name < b.name ? -1 : 1)).map((c) => c.name);
        expect(got).toEqual(want);
      }
    }
  });

  it('role paths and reservations follow the hierarchy', () => {
    expect(rolePath('eng/web/api')).toEqual(['eng', 'eng/web', 'eng/web/api']);
    const r = R('cpus(web):2;cpus(eng):1;cpus:1;mem:256');
    expect(forRole(r, 'web').scalar('cpus')).toBe(3);
    expect(forRole(r, 'eng/web').scalar('cpus')).toBe(2); // eng's reservation, and unreserved
    expect(forRole(r, 'db').scalar('cpus')).toBe(1);
    expect(isAllocatable(R('mem:32'), DEFAULT_MIN_ALLOCATABLE)).toBe(true);
    expect(isAllocatable(R('cpus:0.001;mem:31'), DEFAULT_MIN_ALLOCATABLE)).toBe(false);
  });
});

describe('allocation tables', () => {
  it('minimum allocatable resources: the master\'s sets (| alternatives, ; all of), replaced per role by a framework\'s offer_filters', () => {
    const agents = { a1: 'cpus:0.5;mem:16;ports:[31000-31001]' };
    // Mesos's default cpus:0.01|mem:32: 0.5 cpus is enough.
    expect(run({ agents, frameworks: { f: {} } })).toEqual(['a1 -> f (*) cpus:0.5;mem:16;ports:[31000-31001]']);
    // cpus:1;mem:8 fails on cpus; ports:2 holds (ranges count their ports).
    expect(run({ agents, minAllocatable: 'cpus:1;mem:8', frameworks: { f: {} } })).toEqual([]);
    expect(run({ agents, minAllocatable: 'cpus:1;mem:8|ports:2', frameworks: { f: {} } })).toHaveLength(1);
    expect(run({ agents, minAllocatable: 'ports:3', frameworks: { f: {} } })).toEqual([]);
    // No sets at all: anything non-empty goes.
    expect(run({ agents: { a1: 'mem:1' }, minAllocatable: '', frameworks: { f: {} } })).toEqual(['a1 -> f (*) mem:1']);
    // A framework's own minimum for its role replaces the master's, in both directions.
    expect(run({ agents, frameworks: { picky: { min: { '*': 'mem:64' } } } })).toEqual([]);
    expect(run({ agents: { a1: 'mem:1' }, frameworks: { lax: { min: { '*': '' } } } })).toEqual(['a1 -> lax (*) mem:1']);
    // The picky framework is skipped, the next in DRF order still gets the agent.
    expect(run({ agents, frameworks: { a: { min: { '*': 'mem:64' } }, b: { holds: { '*': 'cpus:1' } } } })).toEqual(['a1 -> b (*) cpus:0.5;mem:16;ports:[31000-31001]']);
    // Another role's minimum does not apply.
    expect(run({ agents, frameworks: { f: { min: { web: 'mem:64' } } } })).toHaveLength(1);
  });

  it('the min allocatable flag syntax is checked', () => {
    expect(parseMinAllocatable('disk:1|cpus:1;mem:32;ports:1').map((q) => Object.fromEntries(q))).toEqual([{ disk: 1 }, { cpus: 1, mem: 32, ports: 1 }]);
    for (const bad of ['cpus', 'cpus:-1', 'cpus:1;cpus:2', 'cp us:1', 'cpus:1|', 'x'.repeat(5000)]) expect(() => parseMinAllocatable(bad), bad).toThrow(/min allocatable/);
  });

  it('each agent goes whole to the framework with the lowest dominant share', () => {
    expect(run({
      agents: { a1: 'cpus:4;mem:4096', a2: 'cpus:4;mem:4096' },
      frameworks: { heavy: { holds: { '*': 'cpus:3' } }, light: { holds: { '*': 'cpus:1' } } },
    })).toEqual(['a1 -> light (*) cpus:4;mem:4096', 'a2 -> heavy (*) cpus:4;mem:4096']);
  });

  it('suppressed roles, active filters and unallocatable leftovers get nothing; an expired filter does not apply', () => {
    expect(run({ agents: { a1: 'cpus:1;mem:64' }, frameworks: { f: { suppressed: ['*'] } } })).toEqual([]);
    const filtered = { f: { filters: [{ agent: 'a1', resources: 'cpus:2;mem:128', until: 100 }] } };
    expect(run({ agents: { a1: 'cpus:1;mem:64' }, frameworks: filtered, now: 50 })).toEqual([]);
    expect(run({ agents: { a1: 'cpus:1;mem:64' }, frameworks: filtered, now: 150 })).toEqual(['a1 -> f (*) cpus:1;mem:64']);
    expect(run({ agents: { a1: 'cpus:0.001;mem:1' }, frameworks: { f: {} }, total: 'cpus:1' })).toEqual([]);
    // A filter applies only when the refused resources contain what would be offered.
    expect(run({ agents: { a1: 'cpus:4;mem:4096' }, frameworks: { f: { filters: [{ agent: 'a1', resources: 'cpus:1;mem:64', until: 100 }] } } })).toHaveLength(1);
  });

  it('a filtered framework lets the next one in DRF order have the agent', () => {
    expect(run({
      agents: { a1: 'cpus:2;mem:1024' },
      frameworks: { a: { filters: [{ agent: 'a1', resources: 'cpus:2;mem:1024', until: 10 }] }, b: { holds: { '*': 'cpus:1' } } },
    })).toEqual(['a1 -> b (*) cpus:2;mem:1024']);
  });

  it('weights divide a role\'s share: a role of weight 3 holding 3x is even with a role of weight 1', () => {
    // Shares: heavy 0.3/3 = 0.1, light 0.15/1 = 0.15: the weighted role goes first.
    expect(run({
      agents: { a1: 'cpus:1' },
      frameworks: { fh: { roles: ['heavy'], holds: { heavy: 'cpus:3' } }, fl: { roles: ['light'], holds: { light: 'cpus:1.5' } } },
      weights: { heavy: 3 },
      total: 'cpus:10',
    })).toEqual(['a1 -> fh (heavy) cpus:1']);
  });

  it('nested roles: fairness is between subtrees first, then within them', () => {
    // eng (web + db) holds 4, ops holds 3: ops first although eng/db alone holds less; then
    // eng and ops are even (4 each) and ops was just served, so eng, and within eng, db.
    expect(run({
      agents: { a1: 'cpus:1', a2: 'cpus:1' },
      frameworks: {
        web: { roles: ['eng/web'], holds: { 'eng/web': 'cpus:3' } },
        db: { roles: ['eng/db'], holds: { 'eng/db': 'cpus:1' } },
        ops: { roles: ['ops'], holds: { ops: 'cpus:3' } },
      },
      total: 'cpus:8',
    })).toEqual(['a1 -> ops (ops) cpus:1', 'a2 -> db (eng/db) cpus:1']);
  });

  it('static reservations go to their role and its descendants only', () => {
    expect(run({
      agents: { a1: 'cpus(eng):2;cpus:1;mem(eng):512' },
      frameworks: { other: { roles: ['ops'] }, web: { roles: ['eng/web'], holds: { 'eng/web': 'cpus:5' } } },
      total: 'cpus:10;mem:1024',
    })).toEqual(['a1 -> other (ops) cpus:1', 'a1 -> web (eng/web) cpus(eng):2;mem(eng):512']);
  });

  it('a multi-role framework is offered per role, one offer per role', () => {
    expect(run({ agents: { a1: 'cpus(a):1;cpus(b):1;mem:64' }, frameworks: { m: { roles: ['a', 'b'] } }, total: 'cpus:4;mem:64' }))
      .toEqual(['a1 -> m (a) cpus(a):1;mem:64', 'a1 -> m (b) cpus(b):1']);
  });

  it('quota guarantee: a role below its guarantee is served first, up to the guarantee', () => {
    // q holds more than p (DRF alone would serve p first), but is 2 cpus short of its guarantee.
    expect(run({
      agents: { a1: 'cpus:4;mem:1024' },
      frameworks: { fq: { roles: ['q'], holds: { q: 'cpus:2' } }, fp: { roles: ['p'] } },
      quotas: { q: { guarantee: 'cpus:4' } },
      total: 'cpus:10;mem:1024',
    })).toEqual(['a1 -> fq (q) cpus:2', 'a1 -> fp (p) cpus:2;mem:1024']);
  });

  it('quota limit: a role never gets past its limit', () => {
    expect(run({
      agents: { a1: 'cpus:4;mem:1024', a2: 'cpus:4;mem:1024' },
      frameworks: { f: { roles: ['capped'] } },
      quotas: { capped: { limit: 'cpus:3' } },
    })).toEqual(['a1 -> f (capped) cpus:3;mem:1024', 'a2 -> f (capped) mem:1024']);
  });

  it('headroom: unreserved resources that an unmet guarantee needs are kept for it', () => {
    // q's framework is away (not subscribed), but its guarantee of 2 cpus stays available.
    expect(run({
      agents: { a1: 'cpus:2;mem:64', a2: 'cpus:2;mem:64' },
      frameworks: { other: { roles: ['p'] } },
      quotas: { q: { guarantee: 'cpus:2' } },
    })).toEqual(['a1 -> other (p) cpus:2;mem:64', 'a2 -> other (p) mem:64']);
    // Met guarantees hold nothing back.
    expect(run({
      agents: { a1: 'cpus:2;mem:64', a2: 'cpus:2;mem:64' },
      frameworks: { other: { roles: ['p'] } },
      quotas: { q: { guarantee: 'cpus:2' } },
      roleHolds: { q: 'cpus:2' },
    })).toEqual(['a1 -> other (p) cpus:2;mem:64', 'a2 -> other (p) cpus:2;mem:64']);
  });

  it('a child role counts towards its parent\'s quota', () => {
    expect(run({
      agents: { a1: 'cpus:4' },
      frameworks: { web: { roles: ['eng/web'] }, ops: { roles: ['ops'] } },
      quotas: { eng: { guarantee: 'cpus:1', limit: 'cpus:1' } },
    })).toEqual(['a1 -> web (eng/web) cpus:1', 'a1 -> ops (ops) cpus:3']);
  });

  it('GPU agents are offered only to GPU_RESOURCES frameworks', () => {
    expect(run({
      agents: { cpu: 'cpus:2;mem:64', gpu: 'cpus:2;gpus:1;mem:64' },
      frameworks: { plain: {}, ml: { gpu: true, holds: { '*': 'cpus:1' } } },
    })).toEqual(['cpu -> plain (*) cpus:2;mem:64', 'gpu -> ml (*) cpus:2;gpus:1;mem:64']);
  });

  it('the outcome does not depend on input order', () => {
    const s: Scenario = {
      agents: { b: 'cpus:1;mem:32', a: 'cpus:1;mem:32', c: 'cpus:1;mem:32' },
      frameworks: { y: { roles: ['r2'] }, x: { roles: ['r1'] }, z: { roles: ['r1'] } },
    };
    const reversed: Scenario = {
      agents: Object.fromEntries(Object.entries(s.agents).reverse()),
      frameworks: Object.fromEntries(Object.entries(s.frameworks).reverse()),
    };
    expect(run(reversed)).toEqual(run(s));
  });
});

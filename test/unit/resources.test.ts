import { describe, expect, it } from 'vitest';
import { TsmesosError } from '../../src/domain/errors.js';
import { badRequest } from '../helpers/errors.js';
import { parseResourceList, parseResources, Resources } from '../../src/domain/resources.js';
import type { Resource } from '../../src/domain/resources.js';


const R = (text: string): Resources => Resources.parse(text);

describe('parseResources: text syntax', () => {
  it('parses scalars, ranges and sets', () => {
    expect(parseResources('cpus:2;mem:1024;ports:[31000-32000];zones:{b,a}')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' },
      { name: 'zones', type: 'SET', set: { item: ['a', 'b'] }, role: '*' },
    ]);
  });

  it('handles roles, default role and explicit *', () => {
    const list = parseResources('cpus(web):1;cpus(*):0.5;mem:10', 'ops');
    expect(list).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'web' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 10 }, role: 'ops' },
    ]);
  });

  it('tolerates whitespace around tokens and empty tokens', () => {
    const a = R('  cpus : 2 ;  mem ( r1 ) : 64 ; ports : [ 1 - 5 , 10-20 ] ; s:{ x , y } ;; ');
    expect(a.toString()).toBe('cpus:2;mem(r1):64;ports:[1-5,10-20];s:{x,y}');
  });

  it('merges duplicate names (Mesos adds them)', () => {
    expect(R('cpus:1;cpus:1.5;ports:[1-5];ports:[6-10];s:{a};s:{a,b}').toString())
      .toBe('cpus:2.5;ports:[1-10];s:{a,b}');
  });

  it('returns [] for empty or blank text', () => {
    expect(parseResources('')).toEqual([]);
    expect(parseResources('   ')).toEqual([]);
    expect(parseResources(';;')).toEqual([]);
    expect(Resources.parse('').isEmpty()).toBe(true);
  });

  it('rounds scalars to 3 decimals and drops zero entries', () => {
    expect(R('cpus:0.12345').scalar('cpus')).toBe(0.123);
    expect(R('cpus:0.0004').isEmpty()).toBe(true);
    expect(R('cpus:0;mem:0').isEmpty()).toBe(true);
    expect(R('cpus:.5').scalar('cpus')).toBe(0.5);
    expect(R('cpus:5.').scalar('cpus')).toBe(5);
  });

  it('accepts range bounds up to 2^53 and a single port', () => {
    const max = 2 ** 53;
    expect(R(`ports:[80-80,${max - 1}-${max}]`).toArray()).toEqual([
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 80, end: 80 }, { begin: max - 1, end: max }] }, role: '*' },
    ]);
  });

  it('parses the JSON array form', () => {
    const json = JSON.stringify([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 512 }, role: 'web' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }, { begin: 3, end: 4 }] } },
      { name: 'zone', type: 'SET', set: { item: ['z1'] } },
    ]);
    expect(Resources.parse(`  \n ${json}`, 'ops').toString()).toBe('cpus(ops):2;mem(web):512;ports(ops):[1-4];zone(ops):{z1}');
    expect(parseResources('[ ]')).toEqual([]);
    expect(badRequest(() => parseResources('[{"name":'))).toMatch(/invalid resources JSON/);
  });
});

describe('parseResources: rejections name the offending token', () => {
  const cases: Array<[string, RegExp]> = [
    ['cpus', /'cpus'.*missing ':'/],
    ['cpus:2;mem1024', /'mem1024'.*missing ':'/],
    ['cpus:', /'cpus:'.*empty/],
    ['cpus:abc', /'cpus:abc'.*must be a number, a range list \[a-b,\.\.\.\] or a set \{a,b\}/],
    ['cpus:NaN', /'cpus:NaN'.*must be a number/],
    ['cpus:Infinity', /'cpus:Infinity'.*must be a number/],
    ['cpus:1e3', /'cpus:1e3'.*must be a number/],
    ['cpus:-1', /'cpus:-1'.*negative/],
    ['cpus:2abc', /'cpus:2abc'.*must be a number/],
    ['cpus:0x10', /'cpus:0x10'.*must be a number/],
    ['ports:[1-2', /'ports:\[1-2'.*unterminated/],
    ['ports:[1-2]x', /'ports:\[1-2\]x'.*after '\]'/],
    ['s:{a,b', /'s:\{a,b'.*unterminated/],
    ['s:{a}}', /after '\}'/],
    ['s:{a,,b}', /set item ''/],
    ['ports:[5-1]', /'ports:\[5-1\]'.*inverted/],
    ['ports:[80]', /range '80'/],
    ['ports:[-1-5]', /range '-1-5'/],
    ['ports:[1.5-2]', /range '1\.5-2'/],
    ['ports:[1-9007199254740993]', /0\.\.2\^53/],
    ['ports:[[1-2]', /'ports:\[\[1-2\]'.*nested/],
    ['ports:[[1-2]]', /after '\]'/],
    ['cpus:[1-2]', /'cpus:\[1-2\]'.*'cpus' must be a scalar/],
    ['mem:{a}', /'mem' must be a scalar/],
    ['ports:100', /'ports:100'.*'ports' must be a range list/],
    ['gpus:1.5', /'gpus:1\.5'.*whole number/],
    [':1', /name must not be empty/],
    ['cp us:1', /name 'cp us'/],
    ['cpüs:1', /name 'cpüs'/],
    ['cpus():1', /role must not be empty/],
    ['cpus(.hidden):1', /role '\.hidden'/],
    ['cpus(-x):1', /role '-x'/],
    ['cpus(..):1', /role '\.\.'/],
    ['cpus(a b):1', /role 'a b'/],
    ['cpus(a):1;cpus(a', /'cpus\(a'/],
    ['cpus(a)x:1', /name\(role\)/],
    ['cpus)x:1', /unbalanced/],
    ['foo:1;foo:[1-2]', /'foo' given as both SCALAR and RANGES/],
  ];
  for (const [text, re] of cases) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(badRequest(() => parseResources(text))).toMatch(re);
    });
  }

  it('rejects an invalid default role', () => {
    expect(badRequest(() => parseResources('cpus:1', '.bad'))).toMatch(/default role/);
  });

  it('keeps messages one line and bounded for hostile text', () => {
    const msg = badRequest(() => parseResources(`cpus:\n\u2028${'x'.repeat(5000)}`));
    expect(msg.length).toBeLessThan(400);
  });
});

describe('hostile and large inputs', () => {
  it('handles 100k-character inputs quickly', () => {
    const inputs = [
      `cpus:${'1'.repeat(100_000)}`,
      `ports:[${'1-1,'.repeat(25_000)}`,
      `ports:[${Array.from({ length: 20_000 }, (_, i) => `${i * 3}-${i * 3 + 1}`).join(',')}]`,
      'a'.repeat(100_000),
      `${'a:1;'.repeat(25_000)}`,
      `cpus(${'r'.repeat(100_000)}:1`,
      `s:{${'a,'.repeat(50_000)}b}`,
      `x:${'0.'.repeat(50_000)}`,
      `${'('.repeat(50_000)}:1`,
    ];
    const start = performance.now();
    for (const text of inputs) {
      try {
        Resources.parse(text);
      } catch (e) {
        expect(e).toBeInstanceOf(TsmesosError);
      }
    }
    expect(performance.now() - start).toBeLessThan(2000);
    expect(R(`ports:[${Array.from({ length: 20_000 }, (_, i) => `${i * 3}-${i * 3 + 1}`).join(',')}]`).toArray()[0]?.type).toBe('RANGES');
  });

  it('does not let a resource named __proto__ pollute anything', () => {
    const r = R('__proto__:1;constructor:[1-2]');
    const legacy = r.toLegacyJson();
    expect(Object.keys(legacy)).toContain('__proto__');
    expect(legacy['__proto__']).toBe(1);
    expect(legacy['constructor']).toBe('[1-2]');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('parseResourceList (v1 JSON)', () => {
  it('accepts a valid list, defaulting role to * and ignoring reservation fields', () => {
    const list = parseResourceList([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'x' } },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 }, role: null },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, role: 'web', reservations: [{ type: 'STATIC', role: 'web' }] },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: '10', end: 20 }] } },
      { name: 'ids', type: 'SET', set: { item: ['b', 'a', 'b'] } },
      { name: 'empty', type: 'RANGES', ranges: {} },
    ], 'task_infos[0].resources');
    expect(list).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.3 }, role: '*' },
      { name: 'ids', type: 'SET', set: { item: ['a', 'b'] }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, role: 'web' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 10, end: 20 }] }, role: '*' },
    ]);
    expect(parseResourceList([], 'r')).toEqual([]);
  });

  const W = 'task_infos[0].resources';
  const cases: Array<[unknown, RegExp]> = [
    [{}, /task_infos\[0\]\.resources: expected an array/],
    ['cpus:1', /expected an array/],
    [[null], /resources\[0\]: expected an object/],
    [[[1]], /resources\[0\]: expected an object/],
    [[{ type: 'SCALAR', scalar: { value: 1 } }], /resources\[0\]\.name/],
    [[{ name: '', type: 'SCALAR', scalar: { value: 1 } }], /resources\[0\]\.name: must be a non-empty string/],
    [[{ name: 'a b', type: 'SCALAR', scalar: { value: 1 } }], /\.name: 'a b'/],
    [[{ name: 'cpus', type: 'TEXT', scalar: { value: 1 } }], /\.type: must be one of SCALAR, RANGES, SET/],
    [[{ name: 'cpus', scalar: { value: 1 } }], /\.type/],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: '1' } }], /\.scalar\.value/],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }], /\.scalar\.value/],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: NaN } }], /\.scalar\.value/],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: Infinity } }], /\.scalar\.value/],
    [[{ name: 'cpus', type: 'SCALAR' }], /\.scalar\.value/],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 5 }], /\.role: must be a string/],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '.x' }], /\.role: role '\.x'/],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 5, end: 1 }] } }], /\.ranges\.range\[0\]: inverted range 5-1/],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1.5, end: 2 }] } }], /\.ranges\.range\[0\]: begin and end/],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: -1, end: 2 }] } }], /begin and end/],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 ** 53 + 2 }] } }], /begin and end/],
    [[{ name: 'p', type: 'RANGES', ranges: { range: 'x' } }], /\.ranges\.range: must be an array/],
    [[{ name: 'p', type: 'RANGES' }], /\.ranges: must be an object/],
    [[{ name: 's', type: 'SET', set: { item: [1] } }], /\.set\.item\[0\]/],
    [[{ name: 's', type: 'SET', set: { item: [''] } }], /\.set\.item\[0\]/],
    [[{ name: 's', type: 'SET' }], /\.set: must be an object/],
    [[{ name: 'cpus', type: 'RANGES', ranges: { range: [] } }], /resources\[0\]: 'cpus' must be a scalar/],
    [[{ name: 'gpus', type: 'SCALAR', scalar: { value: 0.5 } }], /gpus must be a whole number/],
    [[{ name: 'x', type: 'SCALAR', scalar: { value: 1 } }, { name: 'x', type: 'SET', set: { item: ['a'] } }], /'x' given as both/],
    [Array.from({ length: 1001 }, () => ({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } })), /1001 entries; at most 1000/],
  ];
  cases.forEach(([value, re], i) => {
    it(`rejects invalid body #${i}`, () => {
      expect(badRequest(() => parseResourceList(value, W))).toMatch(re);
    });
  });

  it('accepts exactly 1000 entries', () => {
    const list = Array.from({ length: 1000 }, () => ({ name: 'cpus', type: 'SCALAR', scalar: { value: 0.001 } }));
    expect(parseResourceList(list, W)).toEqual([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }]);
  });
});

describe('Resources arithmetic', () => {
  it('adds in fixed point: 0.1 + 0.2 == 0.3', () => {
    const sum = R('cpus:0.1').add(R('cpus:0.2'));
    expect(sum.scalar('cpus')).toBe(0.3);
    expect(sum.equals(R('cpus:0.3'))).toBe(true);
    let acc = Resources.empty();
    for (let i = 0; i < 10; i++) acc = acc.add(R('cpus:0.1'));
    expect(acc.scalar('cpus')).toBe(1);
  });

  it('coalesces ranges: [1-5,6-10] -> [1-10]', () => {
    expect(R('ports:[6-10,1-5]').toString()).toBe('ports:[1-10]');
    expect(R('ports:[1-5,3-4,20-30,7-8,9-9]').toString()).toBe('ports:[1-5,7-9,20-30]');
    expect(R('ports:[1-2]').add(R('ports:[3-4]')).toString()).toBe('ports:[1-4]');
  });

  it('subtracts with saturation, range splitting and set difference', () => {
    const a = R('cpus:2;mem:100;ports:[1-10,20-30];s:{a,b,c}');
    const b = R('cpus:3;mem:40.5;ports:[3-4,6-7,25-40];s:{b,z}');
    expect(a.subtract(b).toString()).toBe('mem:59.5;ports:[1-2,5-5,8-10,20-24];s:{a,c}');
    expect(a.subtract(a).isEmpty()).toBe(true);
    expect(a.subtract(Resources.empty()).equals(a)).toBe(true);
    expect(R('ports:[1-10]').subtract(R('ports:[1-1,10-10]')).toString()).toBe('ports:[2-9]');
    expect(R('ports:[1-10]').subtract(R('ports:[0-100]')).isEmpty()).toBe(true);
    expect(R('cpus:0.3').subtract(R('cpus:0.1')).scalar('cpus')).toBe(0.2);
  });

  it('range add/subtract/contains agree with a brute-force model (seeded)', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const gen = (): { r: Resources; bits: Set<number> } => {
      const bits = new Set<number>();
      const parts: string[] = [];
      for (let k = rand(5); k > 0; k--) {
        const b = rand(100);
        const e = b + rand(15);
        parts.push(`${b}-${e}`);
        for (let v = b; v <= e; v++) bits.add(v);
      }
      return { r: R(`p:[${parts.join(',')}]`), bits };
    };
    const toBits = (r: Resources): Set<number> => {
      const out = new Set<number>();
      for (const x of r.toArray()) if (x.type === 'RANGES') for (const g of x.ranges.range) for (let v = g.begin; v <= g.end; v++) out.add(v);
      return out;
    };
    const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
    for (let n = 0; n < 300; n++) {
      const a = gen();
      const b = gen();
      expect(sorted(toBits(a.r.subtract(b.r)))).toEqual(sorted(new Set([...a.bits].filter((v) => !b.bits.has(v)))));
      expect(sorted(toBits(a.r.add(b.r)))).toEqual(sorted(new Set([...a.bits, ...b.bits])));
      expect(a.r.contains(b.r)).toBe([...b.bits].every((v) => a.bits.has(v)));
      // Normal form: coalesced, so no two ranges touch.
      for (const x of a.r.subtract(b.r).toArray()) {
        if (x.type !== 'RANGES') continue;
        x.ranges.range.forEach((g, i) => {
          const next = x.ranges.range[i + 1];
          if (next) expect(next.begin).toBeGreaterThan(g.end + 1);
        });
      }
    }
  });

  it('subtracts only within the same role', () => {
    expect(R('cpus(a):2;cpus:1').subtract(R('cpus:1')).toString()).toBe('cpus(a):2');
  });

  it('contains per name and role', () => {
    const have = R('cpus:2;cpus(web):1;ports:[1-10,20-30];s:{a,b}');
    expect(have.contains(R('cpus:2'))).toBe(true);
    expect(have.contains(R('cpus:2.001'))).toBe(false);
    expect(have.contains(R('cpus(web):1'))).toBe(true);
    expect(have.contains(R('cpus(web):1.5'))).toBe(false);
    expect(have.contains(R('cpus(db):0.1'))).toBe(false);
    expect(have.contains(R('ports:[2-3,25-30]'))).toBe(true);
    expect(have.contains(R('ports:[9-21]'))).toBe(false);
    expect(have.contains(R('ports:[31-31]'))).toBe(false);
    expect(have.contains(R('s:{b}'))).toBe(true);
    expect(have.contains(R('s:{b,c}'))).toBe(false);
    expect(have.contains(Resources.empty())).toBe(true);
    expect(Resources.empty().contains(R('mem:1'))).toBe(false);
    expect(have.contains(R('mem:1'))).toBe(false);
  });

  it('sums scalars across roles', () => {
    expect(R('cpus:1;cpus(a):0.5;cpus(b):0.25;mem:1').scalar('cpus')).toBe(1.75);
    expect(R('mem:1').scalar('cpus')).toBe(0);
  });

  it('orders toArray by name, role, type and returns copies', () => {
    const r = R('z:1;a(b):{w};a:{x};a(a):{y};b:1').add(Resources.of([
      { name: 'a', type: 'RANGES', ranges: { range: [{ begin: 1, end: 1 }] }, role: '*' },
      { name: 'a', type: 'SCALAR', scalar: { value: 1 }, role: '*' },
    ]));
    expect(r.toArray().map((x) => `${x.name}/${x.role}/${x.type}`)).toEqual([
      'a/*/RANGES', 'a/*/SCALAR', 'a/*/SET', 'a/a/SET', 'a/b/SET', 'b/*/SCALAR', 'z/*/SCALAR',
    ]);
    const arr = r.toArray();
    const first = arr.find((x) => x.type === 'SET');
    if (first?.type !== 'SET') throw new Error('expected a SET entry');
    first.set.item.push('mutated');
    expect(r.toString()).not.toContain('mutated');
  });

  it('equals compares normalized content', () => {
    expect(R('cpus:1;mem:2').equals(R('mem:2 ; cpus:0.5;cpus:0.5'))).toBe(true);
    expect(R('cpus:1').equals(R('cpus(a):1'))).toBe(false);
    expect(R('cpus:1').equals(R('cpus:1.001'))).toBe(false);
    expect(Resources.empty().equals(Resources.of([]))).toBe(true);
  });

  it('of() normalizes and rejects malformed values', () => {
    const r = Resources.of([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 }, role: '*' },
      { name: 'p', type: 'RANGES', ranges: { range: [{ begin: 5, end: 9 }, { begin: 1, end: 4 }] }, role: '*' },
    ]);
    expect(r.toString()).toBe('cpus:0.3;p:[1-9]');
    const bad: Resource[] = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: -1 }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: NaN }, role: '*' },
      { name: 'p', type: 'RANGES', ranges: { range: [{ begin: 3, end: 1 }] }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '' },
    ];
    for (const b of bad) badRequest(() => Resources.of([b]));
  });
});

describe('legacy JSON and toString', () => {
  it('renders the Mesos legacy flat map', () => {
    expect(Resources.empty().toLegacyJson()).toEqual({ cpus: 0, gpus: 0, mem: 0, disk: 0 });
    expect(R('cpus:2;cpus(web):0.5;mem:1024;ports:[31000-32000,33000-33001];ports(web):[40000-40000];zones:{b,a}').toLegacyJson()).toEqual({
      cpus: 2.5, gpus: 0, mem: 1024, disk: 0,
      ports: '[31000-32000, 33000-33001, 40000-40000]',
      zones: '{a, b}',
    });
  });

  it('renders text with roles', () => {
    expect(R('cpus:2;mem(web):1024;ports:[31000-32000]').toString()).toBe('cpus:2;mem(web):1024;ports:[31000-32000]');
    expect(Resources.empty().toString()).toBe('');
  });

  it('round-trips parse(toString(x)) on generated resources', () => {
    // mulberry32: small deterministic PRNG.
    let seed = 0x5eed1234;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number): number => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
    const roles = ['*', '*', 'web', 'ops.team', 'a_b-c', '0'];
    const scalarNames = ['cpus', 'mem', 'disk', 'custom.sc', 'x/y'];
    const rangeNames = ['ports', 'ephemeral_ports', 'r-1'];
    const setNames = ['zones', 'gpu.ids'];
    let nonEmpty = 0;
    for (let n = 0; n < 400; n++) {
      const list: Resource[] = [];
      const count = int(8);
      for (let k = 0; k < count; k++) {
        const kind = int(4);
        const role = pick(roles);
        if (kind === 0) {
          list.push({ name: 'gpus', type: 'SCALAR', scalar: { value: int(9) }, role });
        } else if (kind === 1) {
          const value = int(2) === 0 ? int(100_000_000) / 1000 : rand() * 1e6;
          list.push({ name: pick(scalarNames), type: 'SCALAR', scalar: { value }, role });
        } else if (kind === 2) {
          const range = Array.from({ length: 1 + int(5) }, () => {
            const begin = int(3) === 0 ? 2 ** 53 - int(1000) : int(65536);
            return { begin, end: Math.min(2 ** 53, begin + int(50)) };
          });
          list.push({ name: pick(rangeNames), type: 'RANGES', ranges: { range }, role });
        } else {
          const item = Array.from({ length: int(4) }, () => pick(['a', 'b', 'c', 'gpu0', 'x.y', 'k=v', 'host:1']));
          list.push({ name: pick(setNames), type: 'SET', set: { item }, role });
        }
      }
      const x = Resources.of(list);
      if (!x.isEmpty()) nonEmpty++;
      const text = x.toString();
      const back = Resources.parse(text);
      expect(back.equals(x), text).toBe(true);
      expect(back.toString()).toBe(text);
      expect(Resources.parse(JSON.stringify(x.toArray())).equals(x)).toBe(true);
      expect(x.add(x).contains(x)).toBe(true);
      expect(x.subtract(x).isEmpty()).toBe(true);
    }
    expect(nonEmpty).toBeGreaterThan(300);
  });
});

import { describe, expect, it } from 'vitest';
import { parseResourceList, Resources, type Resource } from '../../src/domain/resources.js';
import { applyReserve, applyUnreserve, dynamicPart, popReservation, reserveSource, withReservations } from '../../src/domain/reservations.js';
import { resourceToWire } from '../../src/wire/resource.js';
import { decode, encode } from '../../src/wire/codec.js';
import { Resource as WireResource } from '../../src/wire/mesos.js';
import { badRequest } from '../helpers/errors.js';

const cpus = (value: number, extra: Partial<Resource> = {}): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, role: '*', ...extra } as Resource);
const dyn = (role: string, principal?: string, labels?: { key: string; value?: string }[]) =>
  [{ type: 'DYNAMIC' as const, role, ...(principal !== undefined ? { principal } : {}), ...(labels !== undefined ? { labels } : {}) }];
const list = (json: unknown[]): Resources => Resources.of(parseResourceList(json, 'r'));

describe('dynamic reservations in the Resources value', () => {
  it('keeps unreserved, static and dynamic cpus of one role as three entries', () => {
    const r = Resources.of([cpus(1), cpus(2, { role: 'eng' }), cpus(3, { role: 'eng', reservations: dyn('eng', 'ops') })]);
    expect(r.toArray()).toHaveLength(3);
    expect(r.scalar('cpus')).toBe(6);
    expect(r.contains(Resources.of([cpus(3, { role: 'eng' })]))).toBe(false); // static(eng) holds only 2
    expect(r.contains(Resources.of([cpus(3, { role: 'eng', reservations: dyn('eng', 'ops') })]))).toBe(true);
    expect(r.subtract(Resources.of([cpus(3, { role: 'eng', reservations: dyn('eng', 'ops') })])).equals(Resources.of([cpus(1), cpus(2, { role: 'eng' })]))).toBe(true);
  });

  it('merges reservations with the same principal and labels, never others', () => {
    const a = Resources.of([cpus(1, { role: 'eng', reservations: dyn('eng', 'ops', [{ key: 'k', value: 'v' }]) })]);
    const same = a.add(Resources.of([cpus(2, { role: 'eng', reservations: dyn('eng', 'ops', [{ key: 'k', value: 'v' }]) })]));
    expect(same.toArray()).toEqual([cpus(3, { role: 'eng', reservations: dyn('eng', 'ops', [{ key: 'k', value: 'v' }]) })]);
    const other = a.add(Resources.of([cpus(2, { role: 'eng', reservations: dyn('eng', 'ops', [{ key: 'k', value: 'w' }]) })]))
      .add(Resources.of([cpus(4, { role: 'eng', reservations: dyn('eng', 'dev') })]));
    expect(other.toArray()).toHaveLength(3);
    expect(other.equals(same)).toBe(false);
  });

  it('drops a lone plain STATIC layer, so a static reservation has one spelling', () => {
    const a = Resources.of([cpus(1, { role: 'eng', reservations: [{ type: 'STATIC', role: 'eng' }] })]);
    expect(a.toArray()).toEqual([cpus(1, { role: 'eng' })]);
    expect(a.equals(Resources.parse('cpus(eng):1'))).toBe(true);
  });

  it('prints a dynamic reservation as Mesos does and keeps it out of the flat legacy map', () => {
    const r = Resources.of([cpus(1), cpus(2, { role: 'eng', reservations: dyn('eng', 'ops') })]);
    expect(r.toString()).toBe('cpus:1;cpus(reservations: [(DYNAMIC,eng,ops)]):2');
    expect(r.toLegacyJson()['cpus']).toBe(3);
  });

  it('refuses malformed stacks given to Resources.of', () => {
    expect(() => Resources.of([cpus(1, { role: 'web', reservations: dyn('eng') })])).toThrow(/role must be the role of its top reservation/);
    expect(() => Resources.of([cpus(1, { role: 'eng/web', reservations: [...dyn('eng'), { type: 'STATIC', role: 'eng/web' }] })])).toThrow(/cannot be STATIC/);
  });
});

describe('parseResourceList: both reservation formats', () => {
  it('reads pre-refinement role + reservation as a DYNAMIC layer', () => {
    const r = list([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } } }]);
    expect(r.toArray()).toEqual([cpus(2, { role: 'eng', reservations: dyn('eng', 'ops', [{ key: 'k', value: 'v' }]) })]);
  });

  it('reads a refinement stack, with role taken from its top', () => {
    const r = list([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web', principal: 'p' }] }]);
    expect(r.toArray()).toEqual([cpus(2, { role: 'eng/web', reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web', principal: 'p' }] })]);
  });

  it.each([
    [{ role: '*', reservation: {} }, "role '*' cannot be dynamically reserved"],
    [{ role: 'eng', reservation: { role: 'eng' } }, "must not be set for the 'Resource.reservation' field"],
    [{ role: 'eng', reservation: { type: 'DYNAMIC' } }, "must not be set for the 'Resource.reservation' field"],
    [{ reservations: [{ role: 'eng' }] }, 'must be STATIC or DYNAMIC'],
    [{ reservations: [{ type: 'DYNAMIC' }] }, 'must be set'],
    [{ reservations: [{ type: 'DYNAMIC', role: '*' }] }, "role '*' cannot be reserved"],
    [{ reservations: [{ type: 'DYNAMIC', role: '../x' }] }, 'must be'],
    [{ reservations: [{ type: 'DYNAMIC', role: 'eng' }, { type: 'DYNAMIC', role: 'ops' }] }, "is not a refinement of 'eng'"],
    [{ reservations: [{ type: 'DYNAMIC', role: 'eng' }, { type: 'STATIC', role: 'eng/a' }] }, 'cannot be STATIC'],
    [{ role: 'ops', reservations: [{ type: 'DYNAMIC', role: 'eng' }] }, "does not match the role 'eng'"],
    [{ reservations: 'eng' }, 'must be an array'],
    [{ role: 'eng', reservation: { principal: 7 } }, 'principal: must be a string'],
    [{ role: 'eng', reservation: { principal: 'x'.repeat(1025) } }, 'at most 1024'],
    [{ role: 'eng', reservation: { labels: { labels: [{ key: 1 }] } } }, 'key: must be a string'],
    [{ role: 'eng', reservation: { labels: { labels: Array.from({ length: 257 }, (_, i) => ({ key: `k${i}` })) } } }, 'at most 256 labels'],
    [{ reservations: Array.from({ length: 65 }, (_, i) => ({ type: 'DYNAMIC', role: Array.from({ length: i + 1 }, () => 'a').join('/') })) }, 'at most 64'],
  ])('refuses case %#', (extra, message) => {
    expect(badRequest(() => list([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, ...extra }]))).toContain(message);
  });
});

describe('wire rendering round-trips', () => {
  const samples: Resource[] = [
    cpus(1),
    cpus(2, { role: 'eng' }),
    cpus(3, { role: 'eng', reservations: dyn('eng', 'ops', [{ key: 'k', value: 'v' }, { key: 'bare' }]) }),
    cpus(4, { role: 'eng/web', reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web' }] }),
  ];
  it.each(['refinement', 'endpoint'] as const)('%s format reads back to the same resources', (format) => {
    const wire = samples.map((r) => decode(WireResource, encode(WireResource, resourceToWire(r, format)), 'r'));
    expect(Resources.of(parseResourceList(wire, 'r')).equals(Resources.of(samples))).toBe(true);
  });

  it('pre-refinement format reads back for single-layer reservations', () => {
    const single = samples.slice(0, 3);
    const wire = single.map((r) => resourceToWire(r, 'pre-refinement'));
    expect(wire[2]).toMatchObject({ role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }, { key: 'bare' }] } }, reservations: [] });
    expect(wire[1]).not.toHaveProperty('reservation');
    expect(Resources.of(parseResourceList(wire, 'r')).equals(Resources.of(single))).toBe(true);
  });

  it('endpoint format has both spellings for one layer, the stack alone for a refined one (Mesos ENDPOINT)', () => {
    expect(resourceToWire(samples[2]!, 'endpoint')).toEqual({
      name: 'cpus', type: 'SCALAR', scalar: { value: 3 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }, { key: 'bare' }] } },
      reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }, { key: 'bare' }] } }],
    });
    expect(resourceToWire(samples[3]!, 'endpoint')).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web' }] });
    expect(resourceToWire(samples[0]!, 'endpoint')).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*', reservations: [] });
  });

  it('refinement format shows a static reservation as a STATIC layer and no role', () => {
    expect(resourceToWire(cpus(2, { role: 'eng' }), 'refinement')).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'eng' }] });
  });
});

describe('RESERVE and UNRESERVE arithmetic', () => {
  const total = Resources.parse('cpus:4;mem:1024;cpus(eng):1');
  const reserve = Resources.of([cpus(2, { role: 'eng', reservations: dyn('eng', 'ops') })]);

  it('reserving consumes the layer below and keeps the total quantity', () => {
    expect(reserveSource(reserve).equals(Resources.parse('cpus:2'))).toBe(true);
    const out = applyReserve(total, reserve);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.total.scalar('cpus')).toBe(5);
    expect(dynamicPart(out.total).equals(reserve)).toBe(true);
    expect(out.total.contains(Resources.parse('cpus:2;cpus(eng):1;mem:1024'))).toBe(true);
    expect(out.total.contains(Resources.parse('cpus:3'))).toBe(false);
  });

  it('refuses to reserve more than the unreserved pool holds, naming what is missing', () => {
    const out = applyReserve(total, Resources.of([cpus(5, { role: 'eng', reservations: dyn('eng') })]));
    expect(out).toEqual({ ok: false, missing: Resources.parse('cpus:1') });
  });

  it('unreserving gives back a part of a reservation, and refuses what is not reserved', () => {
    const reserved = applyReserve(total, reserve);
    if (!reserved.ok) throw new Error('reserve failed');
    const part = applyUnreserve(reserved.total, Resources.of([cpus(1.5, { role: 'eng', reservations: dyn('eng', 'ops') })]));
    if (!part.ok) throw new Error('unreserve failed');
    expect(dynamicPart(part.total).equals(Resources.of([cpus(0.5, { role: 'eng', reservations: dyn('eng', 'ops') })]))).toBe(true);
    expect(part.total.equals(Resources.parse('cpus:3.5;cpus(eng):1;mem:1024').add(dynamicPart(part.total)))).toBe(true);
    // Another principal's reservation is another resource.
    expect(applyUnreserve(reserved.total, Resources.of([cpus(1, { role: 'eng', reservations: dyn('eng', 'dev') })])).ok).toBe(false);
  });

  it('a refined reservation pops back to the reservation below it', () => {
    const refined = cpus(1, { role: 'eng/web', reservations: [...dyn('eng'), { type: 'DYNAMIC', role: 'eng/web' }] });
    expect(popReservation(refined)).toEqual(cpus(1, { role: 'eng', reservations: dyn('eng') }));
    expect(popReservation(cpus(1, { role: 'eng/web', reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web' }] }))).toEqual(cpus(1, { role: 'eng' }));
  });

  it('lays reservations over what the agent advertises, skipping those it no longer has', () => {
    const reservations = Resources.of([cpus(2, { role: 'eng', reservations: dyn('eng') }), cpus(3, { role: 'ops', reservations: dyn('ops') })]);
    const { total: t, skipped } = withReservations(Resources.parse('cpus:4;mem:64'), reservations);
    expect(t.equals(Resources.parse('cpus:2;mem:64').add(Resources.of([cpus(2, { role: 'eng', reservations: dyn('eng') })])))).toBe(true);
    expect(skipped.equals(Resources.of([cpus(3, { role: 'ops', reservations: dyn('ops') })]))).toBe(true);
  });
});

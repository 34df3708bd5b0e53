import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { offersOf, type Event } from '../helpers/v1-client.js';

// Offer policy on a real master (SQLite, HTTP on loopback) on a manual clock:
// --offer-timeout rescinds offers a framework sits on (Mesos --offer_timeout), and the minimum
// allocatable resources decide what is worth offering (Mesos --min_allocatable_resources,
// replaced per role by FrameworkInfo.offer_filters).

const isOffers = (e: Event): boolean => e.type === 'OFFERS';
const minFilter = (quantities: Record<string, number>[]): Record<string, unknown> => ({
  '*': { min_allocatable_resources: { quantities: quantities.map((q) => ({ quantities: Object.fromEntries(Object.entries(q).map(([k, v]) => [k, { value: v }])) })) } },
});

describe('offer policy', () => {
  it('--offer-timeout: an offer held past the timeout is rescinded (RESCIND), and its resources are offered again', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256', flags: { offerTimeout: '30secs' } });
    const fw = c.client();
    await fw.subscribe({ user: 'u', name: 'hoarder' });
    const first = offersOf(await fw.next(isOffers))[0]!;
    await c.advance(29_999);
    await fw.barrier();
    expect(fw.takeAll((e) => e.type === 'RESCIND')).toEqual([]);
    await c.advance(1);
    const rescind = await fw.next((e) => e.type === 'RESCIND');
    expect(rescind['rescind']).toEqual({ offer_id: first.id });
    // No filter after a timeout (Mesos): the same resources come back in a new offer.
    const again = offersOf(await fw.next(isOffers))[0]!;
    expect(again.id.value).not.toBe(first.id.value);
    expect(again.resources).toEqual(first.resources);
    // Accepting the rescinded offer is too late: the new one is the only one that counts.
    expect((await c.state()).frameworks[0]!.offers).toHaveLength(1);
  });

  it('an offer used before the timeout is not rescinded later', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256', flags: { offerTimeout: '10secs' } });
    const fw = c.client();
    await fw.subscribe({ user: 'u', name: 'decliner' });
    const offer = offersOf(await fw.next(isOffers))[0]!;
    await fw.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } });
    await c.advance(20_000);
    await fw.barrier();
    expect(fw.takeAll((e) => e.type === 'RESCIND')).toEqual([]);
  });

  it('--min-allocatable-resources: nothing is offered below the master\'s minimum; a framework\'s offer_filters replace it for its role', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256', flags: { minAllocatableResources: 'cpus:2|mem:512' } });
    const below = c.client();
    await below.subscribe({ user: 'u', name: 'default-minimum' });
    await below.barrier();
    expect(below.takeAll(isOffers)).toEqual([]);

    // Its own, lower minimum for role '*': it gets the agent.
    const own = c.client();
    await own.subscribe({ user: 'u', name: 'own-minimum', offer_filters: minFilter([{ cpus: 0.5, mem: 128 }]) });
    const offer = offersOf(await own.next(isOffers))[0]!;
    expect((offer.resources ?? []).find((r) => r.name === 'cpus')?.scalar?.value).toBe(1);
    // The filter is part of the framework's info as Mesos shows it.
    const res = await fetch(`${c.master}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: '{"type":"GET_FRAMEWORKS"}' });
    const info = (await res.json()) as { get_frameworks: { frameworks: { framework_info: { name: string; offer_filters?: unknown } }[] } };
    expect(info.get_frameworks.frameworks.find((f) => f.framework_info.name === 'own-minimum')?.framework_info.offer_filters).toEqual(minFilter([{ cpus: 0.5, mem: 128 }]));
  });

  it('an empty min_allocatable_resources means anything is allocatable', async () => {
    const c = await simCluster({ resources: 'cpus:0.005;mem:8;disk:0;ports:[]' });
    const lax = c.client();
    await lax.subscribe({ user: 'u', name: 'lax', offer_filters: { '*': { min_allocatable_resources: {} } } });
    expect((offersOf(await lax.next(isOffers))[0]!.resources ?? []).find((r) => r.name === 'cpus')?.scalar?.value).toBe(0.005);
  });

  it('a framework minimum above what any agent has keeps offers away', async () => {
    const c2 = await simCluster({ resources: 'cpus:1;mem:256' });
    const picky = c2.client();
    await picky.subscribe({ user: 'u', name: 'picky', offer_filters: minFilter([{ mem: 1024 }, { cpus: 2 }]) });
    await picky.barrier();
    expect(picky.takeAll(isOffers)).toEqual([]);
  });

  it('invalid offer_filters are refused with an ERROR event naming the problem', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256' });
    for (const [filters, message] of [
      [minFilter([{ mem: -1 }]), /Negative values not supported/],
      [{ '*': { min_allocatable_resources: { quantities: [{}] } } }, /at least one quantity/],
      [{ '../x': {} }, /invalid role/],
    ] as const) {
      const fw = c.client();
      const e = await fw.subscribe({ user: 'u', name: 'bad', offer_filters: filters });
      expect(e.type).toBe('ERROR');
      expect(String((e['error'] as { message: string }).message)).toMatch(message);
    }
  });
});

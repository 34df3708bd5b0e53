import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { offersOf, updateOf, type Event, type Offer } from '../helpers/v1-client.js';

// Allocation through the real master and agent, on the manual clock: offers are event-driven
// (no allocation interval passes in these tests unless a test advances it), and static
// reservations reach only their role.

interface OfferedResource { name: string; role?: string; scalar?: { value: number } }
const cpusByRole = (o: Offer): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of (o.resources ?? []) as OfferedResource[]) if (r.name === 'cpus') out[r.role ?? '*'] = (out[r.role ?? '*'] ?? 0) + (r.scalar?.value ?? 0);
  return out;
};
const isOffers = (e: Event): boolean => e.type === 'OFFERS';

describe('allocation on a real master', () => {
  it('a new framework gets an offer at once, without waiting for the allocation interval', async () => {
    const c = await simCluster();
    const t0 = c.clock.monotonic();
    const s = await c.scheduler({ name: 'eager' });
    expect(offersOf(await s.next(isOffers))).toHaveLength(1);
    expect(c.clock.monotonic()).toBe(t0);
  });

  it('freed resources are offered again at once when a task ends', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256;disk:64;ports:[31000-31001]' });
    const s = await c.scheduler({ name: 'reuse' });
    const [offer] = offersOf(await s.next(isOffers));
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer!.id], filters: { refuse_seconds: 3600 }, operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: 'short', task_id: { value: 'short' }, agent_id: offer!.agent_id, command: { value: 'true' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 256 } }],
    }] } }] } });
    const t0 = c.clock.monotonic();
    // The task's resources come back when it finishes, without any allocation interval passing.
    for (;;) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE', 20_000));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_FINISHED') break;
    }
    const again = await s.next(isOffers);
    expect(cpusByRole(offersOf(again)[0]!)['*']).toBe(1);
    expect(c.clock.monotonic()).toBe(t0);
  });

  it('static reservations (--resources "cpus(web):1") go only to the role, unreserved resources to anyone', async () => {
    const c = await simCluster({ resources: 'cpus(web):1;cpus:2;mem:512;disk:64;ports:[31000-31001]' });
    const plain = await c.scheduler({ name: 'plain' });
    const first = offersOf(await plain.next(isOffers))[0]!;
    expect(cpusByRole(first)).toEqual({ '*': 2 });
    const web = await c.scheduler({ name: 'web', role: 'web' });
    const reserved = offersOf(await web.next(isOffers))[0]!;
    expect(cpusByRole(reserved)).toEqual({ web: 1 });
  });

  it('RESERVATION_REFINEMENT frameworks see reservations as a stack and may launch on them in that form', async () => {
    const c = await simCluster({ resources: 'cpus(web):1;mem(web):128;cpus:1;mem:128;disk:64;ports:[31000-31001]' });
    const s = await c.scheduler({ name: 'refined', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const reserved = (offer.resources as (OfferedResource & { reservations?: { type: string; role: string }[] })[]).filter((r) => r.reservations !== undefined);
    expect(reserved.map((r) => [r.name, r.role, r.reservations])).toEqual([
      ['cpus', undefined, [{ type: 'STATIC', role: 'web' }]],
      ['mem', undefined, [{ type: 'STATIC', role: 'web' }]],
    ]);
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: 'on-reserved', task_id: { value: 'on-reserved' }, agent_id: offer.agent_id, command: { value: 'sleep 30' },
      resources: reserved.map((r) => ({ name: r.name, type: 'SCALAR', scalar: r.scalar, reservations: r.reservations, allocation_info: { role: 'web' } })),
    }] } }] } });
    const first = updateOf(await s.next((e) => e.type === 'UPDATE'));
    expect(first.state).toBe('TASK_STARTING');
  });
});

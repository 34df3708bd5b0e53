import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event, type V1Scheduler } from '../helpers/v1-client.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// Inverse offers (Mesos maintenance primitives) against a real master and agent on loopback, on a
// manual clock: a framework holding resources on an agent whose machine is scheduled for
// maintenance is asked to give them back; its answer shows in the maintenance status and holds
// further inverse offers back for refuse_seconds; a new window rescinds and asks again.

const get = (j: Json, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], j);
const schedule = (windows: Json[]): Json => ({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows } } });
const window = (machines: Json[], startNs: number): Json => ({ machine_ids: machines, unavailability: { start: { nanoseconds: startNs }, duration: { nanoseconds: 3600e9 } } });
const isInverse = (e: Event): boolean => e.type === 'INVERSE_OFFERS';
const inverseOf = (e: Event): Json[] => (e['inverse_offers'] as { inverse_offers: Json[] }).inverse_offers;
const idOf = (io: Json): string => (io['id'] as { value: string }).value;
const statusOf = async (c: SimCluster): Promise<unknown> => get(await operatorGet(c.master, 'GET_MAINTENANCE_STATUS'), 'get_maintenance_status', 'status');

async function nextInverse(c: SimCluster, s: V1Scheduler): Promise<Json> {
  const e = await c.until('an inverse offer', () => s.takeAll(isInverse)[0], { stepMs: 500, maxMs: 120_000 });
  const list = inverseOf(e);
  expect(list).toHaveLength(1);
  return list[0]!;
}

async function noInverse(s: V1Scheduler): Promise<void> {
  await s.barrier();
  expect(s.takeAll(isInverse)).toEqual([]);
}

async function setup(): Promise<{ c: SimCluster; s: V1Scheduler; machine: Json; agentId: string }> {
  const c = await simCluster();
  const s = await c.scheduler({ name: 'inverse' });
  const offer = offersOf(await s.next(isOffers))[0]!;
  const task = { name: 'i', task_id: { value: 'i-1' }, agent_id: offer.agent_id, command: { value: 'sleep 300' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] };
  expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } })).status).toBe(202);
  await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'i-1');
  const hostname = (await c.state()).slaves[0]!.hostname;
  return { c, s, machine: { hostname, ip: '127.0.0.1' }, agentId: offer.agent_id.value };
}

describe('inverse offers', () => {
  it('asks a framework on a scheduled agent once at a time; ACCEPT and DECLINE show in the status; offers carry the window; a new window rescinds and asks again', async () => {
    const { c, s, machine, agentId } = await setup();
    expect((await operatorCall(c.master, schedule([window([machine], 1.8e18)]))).status).toBe(200);

    const first = await nextInverse(c, s);
    expect(first).toMatchObject({ framework_id: { value: s.frameworkId }, agent_id: { value: agentId }, unavailability: { start: { nanoseconds: 1.8e18 }, duration: { nanoseconds: 3600e9 } } });
    expect(first['resources']).toBeUndefined(); // maintenance asks for everything: no resources listed
    // Regular offers from that agent say when it goes away.
    const offer = await c.until('an offer with its unavailability', () => s.takeAll(isOffers).flatMap((e) => offersOf<Json>(e))[0], { stepMs: 1000 });
    expect(offer['unavailability']).toEqual({ start: { nanoseconds: 1.8e18 }, duration: { nanoseconds: 3600e9 } });
    // One outstanding inverse offer per framework and agent: none more until it is answered.
    await c.advance(10_000);
    await noInverse(s);
    expect(await statusOf(c)).toEqual({ draining_machines: [{ id: machine }] });

    expect((await s.call({ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [first['id']], filters: { refuse_seconds: 30 } } })).status).toBe(202);
    expect(await statusOf(c)).toEqual({ draining_machines: [{ id: machine, statuses: [{ status: 'ACCEPT', framework_id: { value: s.frameworkId }, timestamp: { nanoseconds: expect.any(Number) as number } }] }] });
    await c.advance(20_000);
    await noInverse(s); // filtered for 30 s
    const second = await nextInverse(c, s);
    expect(idOf(second)).not.toBe(idOf(first));
    expect((await s.call({ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [second['id']] } })).status).toBe(202);
    expect(get((await statusOf(c)) as Json, 'draining_machines', '0', 'statuses', '0', 'status')).toBe('DECLINE');

    // A new window for the machine: the outstanding inverse offer is rescinded, answers and
    // filters are forgotten, and the framework is asked again at once.
    const third = await nextInverse(c, s);
    expect((await operatorCall(c.master, schedule([window([machine], 1.9e18)]))).status).toBe(200);
    await c.until('the rescind', () => s.takeAll((e) => e.type === 'RESCIND_INVERSE_OFFER')[0], { stepMs: 100 }).then((e) => {
      expect(e['rescind_inverse_offer']).toEqual({ inverse_offer_id: third['id'] });
    });
    const fourth = await nextInverse(c, s);
    expect(get(fourth, 'unavailability', 'start', 'nanoseconds')).toBe(1.9e18);
    expect(await statusOf(c)).toEqual({ draining_machines: [{ id: machine }] });

    // Out of the schedule: rescinded, and no more inverse offers or unavailability.
    expect((await operatorCall(c.master, schedule([]))).status).toBe(200);
    await c.until('the rescind', () => s.takeAll((e) => e.type === 'RESCIND_INVERSE_OFFER')[0], { stepMs: 100 });
    await c.advance(60_000);
    await noInverse(s);
    expect(s.takeAll(isOffers).flatMap((e) => offersOf<Json>(e)).filter((o) => o['unavailability'] !== undefined)).toEqual([]);
    expect(await statusOf(c)).toEqual({});
  });

  it('ignores stale, unknown and other frameworks\' inverse offer ids; refuses malformed and oversized calls with 400', async () => {
    const { c, s, machine } = await setup();
    const other = await c.scheduler({ name: 'other' });
    expect((await operatorCall(c.master, schedule([window([machine], 1.8e18)]))).status).toBe(200);
    const io = await nextInverse(c, s);
    // Unknown ids and another framework's answer change nothing.
    expect((await s.call({ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: 'no-such-offer' }] } })).status).toBe(202);
    expect((await other.call({ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [io['id']] } })).status).toBe(202);
    expect(await statusOf(c)).toEqual({ draining_machines: [{ id: machine }] });
    for (const [body, message] of [
      [{ type: 'ACCEPT_INVERSE_OFFERS' }, /Expecting 'accept_inverse_offers' to be present/],
      [{ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: 'x' } }, /inverse_offer_ids/],
      [{ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: 7 }] } }, /value/],
      [{ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: Array.from({ length: 1001 }, (_, i) => ({ value: `o${i}` })) } }, /inverse_offer_ids/],
      [{ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [io['id']], filters: { refuse_seconds: 'soon' } } }, /refuse_seconds/],
    ] as const) {
      const r = await s.call(body);
      expect([r.status, r.text], JSON.stringify(body).slice(0, 80)).toEqual([400, expect.stringMatching(message)]);
    }
    // The framework's own answer still counts: the inverse offer was not consumed by any of that.
    expect((await s.call({ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [io['id']] } })).status).toBe(202);
    expect(get((await statusOf(c)) as Json, 'draining_machines', '0', 'statuses', '0', 'status')).toBe('ACCEPT');
    // A stale id (already answered) is ignored.
    expect((await s.call({ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [io['id']] } })).status).toBe(202);
    expect(get((await statusOf(c)) as Json, 'draining_machines', '0', 'statuses', '0', 'status')).toBe('ACCEPT');
  });
});

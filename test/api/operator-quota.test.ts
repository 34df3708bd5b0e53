import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, type Offer } from '../helpers/v1-client.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// Weights and quota through the operator API (UPDATE_WEIGHTS, UPDATE_QUOTA, SET/REMOVE_QUOTA),
// replicated, read back, and honoured by the allocator on a real master and agent.

const cpus = (o: Offer): number => (o.resources ?? []).filter((r) => r.name === 'cpus').reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
const get = <T>(j: Json, ...path: string[]): T => path.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], j) as T;

describe('operator weights and quota', () => {
  it('UPDATE_WEIGHTS is read back by GET_WEIGHTS, GET_ROLES and /master/weights, and survives a master restart', async () => {
    const c = await simCluster();
    expect((await operatorCall(c.master, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2.5 }] } })).status).toBe(200);
    expect(get(await operatorGet(c.master, 'GET_WEIGHTS'), 'get_weights', 'weight_infos')).toEqual([{ role: 'eng', weight: 2.5 }]);
    const roles = get<{ name: string; weight: number }[]>(await operatorGet(c.master, 'GET_ROLES'), 'get_roles', 'roles');
    expect(roles.find((r) => r.name === 'eng')?.weight).toBe(2.5);
    await c.stopMaster();
    await c.startMaster();
    expect(await (await c.fetch('/master/weights')).json()).toEqual([{ role: 'eng', weight: 2.5 }]);
    // Bad input: a 400 with {code, message}, nothing stored.
    for (const bad of [{ role: 'eng', weight: -1 }, { role: '*', weight: 2 }, { role: '../x', weight: 2 }]) {
      const r = await operatorCall(c.master, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [bad] } });
      expect(r.status).toBe(400);
      expect(r.json?.['code']).toBe('BAD_REQUEST');
    }
    expect(get(await operatorGet(c.master, 'GET_WEIGHTS'), 'get_weights', 'weight_infos')).toEqual([{ role: 'eng', weight: 2.5 }]);
  });

  it('a quota limit caps what a role is offered; REMOVE_QUOTA lifts it', async () => {
    const c = await simCluster({ resources: 'cpus:4;mem:1024;disk:64;ports:[31000-31001]' });
    const r = await operatorCall(c.master, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'capped', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }] } });
    expect(r.status).toBe(200);
    const status = get<{ configs: Json[] }>(await operatorGet(c.master, 'GET_QUOTA'), 'get_quota', 'status');
    expect(status.configs).toEqual([{ role: 'capped', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }]);
    const s = await c.scheduler({ name: 'capped', role: 'capped' });
    const first = offersOf(await s.next(isOffers))[0]!;
    expect(cpus(first)).toBe(2);
    // With the limit reached nothing more is offered, even as time passes...
    await c.advance(3000);
    expect(s.events.filter(isOffers)).toEqual([]);
    // ...and lifting it offers the rest of the agent at once.
    expect((await operatorCall(c.master, { type: 'REMOVE_QUOTA', remove_quota: { role: 'capped' } })).status).toBe(200);
    const rest = offersOf(await s.next(isOffers))[0]!;
    expect(cpus(rest)).toBe(2);
    // A guarantee above its limit is refused.
    const bad = await operatorCall(c.master, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'x', guarantees: { cpus: { value: 3 } }, limits: { cpus: { value: 1 } } }] } });
    expect(bad.status).toBe(400);
  });
});

import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event, type Offer, type V1Scheduler } from '../helpers/v1-client.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// Dynamic reservations against a real master and a real posix agent over loopback, on a manual
// clock: the operator's RESERVE_RESOURCES / UNRESERVE_RESOURCES and Mesos's legacy
// /master/reserve|unreserve, and a framework's RESERVE / UNRESERVE inside ACCEPT. Reservations
// are offered only to their role (and its sub-roles), shown in GET_AGENTS and /master/state,
// and kept in the registry across agent and master restarts.

const RESOURCES = 'cpus:2;mem:512;disk:64;ports:[31000-31001]';
const scalar = (name: string, value: number, extra: Json = {}): Json => ({ name, type: 'SCALAR', scalar: { value }, ...extra });
const dynamic = (name: string, value: number, role: string, principal = 'ops'): Json => scalar(name, value, { role, reservation: { principal } });
const reserveCall = (agentId: string, resources: unknown): Json => ({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources } });
const unreserveCall = (agentId: string, resources: unknown): Json => ({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources } });

interface OfferedResource { name: string; role?: string; reservation?: { principal?: string }; reservations?: { type: string; role: string; principal?: string }[]; scalar?: { value: number } }
const offered = (o: Offer): OfferedResource[] => (o.resources ?? []);
/** cpus of an offer by how they are held: '*', 'role' (static) or 'role+dyn' (dynamic). */
const cpusBy = (o: Offer): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of offered(o)) {
    if (r.name !== 'cpus') continue;
    const top = r.reservations?.at(-1);
    const key = top !== undefined ? `${top.role}${top.type === 'DYNAMIC' ? '+dyn' : ''}` : `${r.role ?? '*'}${r.reservation !== undefined ? '+dyn' : ''}`;
    out[key] = (out[key] ?? 0) + (r.scalar?.value ?? 0);
  }
  return out;
};

interface SlaveJson { reserved_resources: Record<string, Record<string, number>>; unreserved_resources: Record<string, number>; reserved_resources_full: Record<string, Json[]>; resources: Record<string, number> }
const slaveJson = async (c: SimCluster): Promise<SlaveJson> => ((await (await c.fetch('/master/state')).json()) as { slaves: SlaveJson[] }).slaves[0]!;
const agentTotal = async (c: SimCluster): Promise<Json[]> => (((await operatorGet(c.master, 'GET_AGENTS'))['get_agents'] as { agents: Json[] }).agents[0]!['total_resources'] as Json[]);

async function form(c: SimCluster, path: string, fields: Record<string, string>, method = 'POST'): Promise<{ status: number; body: Json | null }> {
  const r = await c.fetch(path, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, ...(method === 'POST' ? { body: new URLSearchParams(fields).toString() } : {}) });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : (JSON.parse(text) as Json) };
}

const launchOn = (id: string, agentId: string, resources: Json[], command = 'sleep 300'): Json => ({
  type: 'LAUNCH', launch: { task_infos: [{ name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: command }, resources }] },
});

async function untilState(s: V1Scheduler, taskId: string, state: string): Promise<void> {
  for (;;) {
    const u = updateOf(await s.next((e: Event) => e.type === 'UPDATE' && updateOf(e).task_id.value === taskId));
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
    if (u.state === state) return;
    if (['TASK_ERROR', 'TASK_FAILED', 'TASK_LOST', 'TASK_DROPPED'].includes(u.state)) throw new Error(`task ${taskId} ended ${u.state}: ${u.message ?? ''}`);
  }
}

describe('operator RESERVE_RESOURCES / UNRESERVE_RESOURCES', () => {
  it('reserves for a role: 202, offered only to that role and its sub-roles, shown in GET_AGENTS and /master/state (ReservationEndpointsTest.AvailableResources)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    const r = await operatorCall(c.master, reserveCall(agentId, [dynamic('cpus', 1, 'eng'), dynamic('mem', 128, 'eng')]));
    expect(r.status).toBe(202);
    expect(r.text).toBe('');

    const total = await agentTotal(c);
    expect(total.filter((x) => x['reservation'] !== undefined).map((x) => [x['name'], x['role'], x['reservation'], (x['scalar'] as { value: number }).value])).toEqual([
      ['cpus', 'eng', { principal: 'ops' }, 1], ['mem', 'eng', { principal: 'ops' }, 128],
    ]);
    const slave = await slaveJson(c);
    expect(slave.reserved_resources['eng']).toMatchObject({ cpus: 1, mem: 128 });
    expect(slave.unreserved_resources).toMatchObject({ cpus: 1, mem: 384 });
    expect(slave.resources).toMatchObject({ cpus: 2, mem: 512 });
    expect(slave.reserved_resources_full['eng']).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops' }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] },
      { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, role: 'eng', reservation: { principal: 'ops' }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] },
    ]);

    const other = await c.scheduler({ name: 'other', role: 'ops' });
    expect(cpusBy(offersOf(await other.next(isOffers))[0]!)).toEqual({ '*': 1 });
    const web = await c.scheduler({ name: 'web', roles: ['eng/web'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] });
    const webOffer = offersOf(await web.next(isOffers))[0]!;
    expect(cpusBy(webOffer)).toEqual({ 'eng+dyn': 1 });
    expect(offered(webOffer).find((x) => x.name === 'cpus')!.reservations).toEqual([{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }]);
  });

  it('rescinds the offers holding what it needs; refuses (409) what tasks use and what the agent does not have (ReservationEndpointsTest.ReserveOfferedResources, InsufficientResources)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    const s = await c.scheduler({ name: 'hog' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    expect(cpusBy(offer)).toEqual({ '*': 2 });

    expect((await operatorCall(c.master, reserveCall(agentId, [dynamic('cpus', 1, 'eng')]))).status).toBe(202);
    const rescind = await s.next((e) => e.type === 'RESCIND');
    expect((rescind['rescind'] as { offer_id: { value: string } }).offer_id).toEqual(offer.id);

    // The rescinded offer's resources are filtered for a while (Mesos); REVIVE clears that. Launch
    // on the unreserved cpu that is left; then nothing unreserved is free.
    await s.call({ type: 'REVIVE' });
    const next = offersOf(await s.next(isOffers))[0]!;
    expect(cpusBy(next)).toEqual({ '*': 1 });
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [next.id], operations: [launchOn('busy', agentId, [scalar('cpus', 1), scalar('mem', 64)])] } });
    await untilState(s, 'busy', 'TASK_RUNNING');

    const inUse = await operatorCall(c.master, reserveCall(agentId, [dynamic('cpus', 1, 'eng')]));
    expect(inUse.status).toBe(409);
    expect(inUse.json).toMatchObject({ code: 'CONFLICT' });
    expect(String(inUse.json?.['message'])).toContain('cpus:1');
    expect((await operatorCall(c.master, reserveCall(agentId, [dynamic('mem', 10_000, 'eng')]))).status).toBe(409);
    // What is not reserved cannot be unreserved; another principal's reservation is another resource.
    expect((await operatorCall(c.master, unreserveCall(agentId, [dynamic('cpus', 2, 'eng')]))).status).toBe(409);
    expect((await operatorCall(c.master, unreserveCall(agentId, [dynamic('cpus', 1, 'eng', 'someone-else')]))).status).toBe(409);
    expect((await slaveJson(c)).reserved_resources['eng']).toMatchObject({ cpus: 1 });
  });

  it('UNRESERVE returns them, in part or whole, to the unreserved pool (ReservationTest.ReserveThenUnreserve)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    expect((await operatorCall(c.master, reserveCall(agentId, [dynamic('cpus', 1.5, 'eng')]))).status).toBe(202);
    expect((await operatorCall(c.master, unreserveCall(agentId, [dynamic('cpus', 0.5, 'eng')]))).status).toBe(202);
    expect((await slaveJson(c)).reserved_resources['eng']).toMatchObject({ cpus: 1 });
    expect((await slaveJson(c)).unreserved_resources).toMatchObject({ cpus: 1 });
    expect((await operatorCall(c.master, unreserveCall(agentId, [dynamic('cpus', 1, 'eng')]))).status).toBe(202);
    const slave = await slaveJson(c);
    expect(slave.reserved_resources).toEqual({});
    expect(slave.unreserved_resources).toMatchObject({ cpus: 2 });
    const plain = await c.scheduler({ name: 'plain' });
    expect(cpusBy(offersOf(await plain.next(isOffers))[0]!)).toEqual({ '*': 2 });
  });

  it('refuses (409) to unreserve what a task runs on; once it ends, the same call succeeds', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    const reserved = [dynamic('cpus', 1, 'eng'), dynamic('mem', 64, 'eng')];
    expect((await operatorCall(c.master, reserveCall(agentId, reserved))).status).toBe(202);
    const s = await c.scheduler({ name: 'eng', role: 'eng' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [launchOn('on-reserved', agentId, reserved)] } })).status).toBe(202);
    await untilState(s, 'on-reserved', 'TASK_RUNNING');
    const busy = await operatorCall(c.master, unreserveCall(agentId, reserved));
    expect([busy.status, busy.json?.['code']]).toEqual([409, 'CONFLICT']);
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'on-reserved' }, agent_id: { value: agentId } } })).status).toBe(202);
    await untilState(s, 'on-reserved', 'TASK_KILLED');
    await c.untilSettled('the unreserve to go through', async () => ((await operatorCall(c.master, unreserveCall(agentId, reserved))).status === 202 ? true : undefined));
    expect((await slaveJson(c)).reserved_resources).toEqual({});
  });

  it('keeps reservations across an agent restart and a master restart (registry) (ReservationTest.MasterFailover)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    expect((await operatorCall(c.master, reserveCall(agentId, [dynamic('cpus', 1, 'eng'), dynamic('mem', 100, 'eng')]))).status).toBe(202);

    await c.stopAgent();
    await c.startAgent();
    expect((await slaveJson(c)).reserved_resources['eng']).toMatchObject({ cpus: 1, mem: 100 });

    await c.stopMaster();
    await c.startMaster();
    // The new leader has them from the registry before the agent is back, and lays them over what it advertises.
    await c.until('the agent to reregister', async () => ((await c.state()).slaves.some((a) => a.active) ? true : undefined), { stepMs: 1000 });
    const slave = await slaveJson(c);
    expect(slave.reserved_resources['eng']).toMatchObject({ cpus: 1, mem: 100 });
    expect(slave.unreserved_resources).toMatchObject({ cpus: 1, mem: 412 });
    const eng = await c.scheduler({ name: 'eng', role: 'eng' });
    expect(cpusBy(offersOf(await eng.next(isOffers))[0]!)).toEqual({ '*': 1, 'eng+dyn': 1 });
    // And it can still give them back.
    expect((await operatorCall(c.master, unreserveCall(agentId, [dynamic('cpus', 1, 'eng'), dynamic('mem', 100, 'eng')]))).status).toBe(202);
    expect((await slaveJson(c)).reserved_resources).toEqual({});
  });

  it('refuses malformed, hostile and oversized requests with 4xx {code, message} (ReservationEndpointsTest.InvalidResource)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    const cases: [string, unknown, number, string][] = [
      ['unknown agent', reserveCall('nope', [dynamic('cpus', 1, 'eng')]), 400, 'No agent found'],
      ['missing payload', { type: 'RESERVE_RESOURCES' }, 400, "Expecting 'reserve_resources'"],
      ['missing agent_id', { type: 'RESERVE_RESOURCES', reserve_resources: { resources: [] } }, 400, 'agent_id'],
      ['unreserved resource', reserveCall(agentId, [scalar('cpus', 1)]), 400, 'is not dynamically reserved'],
      ['static reservation', reserveCall(agentId, [scalar('cpus', 1, { role: 'eng' })]), 400, 'is not dynamically reserved'],
      ['reserve to *', reserveCall(agentId, [scalar('cpus', 1, { role: '*', reservation: {} })]), 400, "role '*' cannot be dynamically reserved"],
      ['allocated resource', reserveCall(agentId, [dynamic('cpus', 1, 'eng') as Json & object].map((x) => ({ ...x, allocation_info: { role: 'eng' } }))), 400, 'unallocated resources only'],
      ['bad role', reserveCall(agentId, [dynamic('cpus', 1, '../etc')]), 400, 'role'],
      ['negative', reserveCall(agentId, [dynamic('cpus', -1, 'eng')]), 400, 'scalar'],
      ['unknown type enum', reserveCall(agentId, [{ ...dynamic('cpus', 1, 'eng'), type: 'TEXT' }]), 400, 'type'],
      ['refined stack out of order', reserveCall(agentId, [scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'eng' }, { type: 'DYNAMIC', role: 'ops' }] })]), 400, 'not a refinement'],
      ['source', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, source: [scalar('cpus', 1)], resources: [dynamic('cpus', 1, 'eng')] } }, 400, 'source'],
      ['too many resources', reserveCall(agentId, Array.from({ length: 1001 }, () => dynamic('cpus', 0.001, 'eng'))), 400, '1000'],
      ['unreserve unreserved', unreserveCall(agentId, [scalar('cpus', 1)]), 400, 'is not dynamically reserved'],
      ['malformed JSON', '{"type":"RESERVE_RESOURCES",', 400, 'malformed JSON'],
      ['oversized body', JSON.stringify(reserveCall(agentId, [dynamic('cpus', 1, 'eng', 'x'.repeat(2 * 1024 * 1024))])), 413, 'larger than'],
    ];
    for (const [what, body, status, message] of cases) {
      const r = await operatorCall(c.master, body);
      expect({ what, status: r.status }).toEqual({ what, status });
      expect({ what, code: typeof r.json?.['code'], message: String(r.json?.['message']) }).toEqual({ what, code: 'string', message: expect.stringContaining(message) as string });
    }
    // Nothing changed, and the master still serves.
    expect((await slaveJson(c)).reserved_resources).toEqual({});
  });
});

describe('legacy /master/reserve and /master/unreserve', () => {
  it('take form-encoded slaveId and resources JSON: 202, 409, 400, 405 (ReservationEndpointsTest.NoSlaveId, NoResources)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    const res = JSON.stringify([dynamic('cpus', 1, 'eng'), dynamic('mem', 64, 'eng')]);
    expect((await form(c, '/master/reserve', { slaveId: agentId, resources: res })).status).toBe(202);
    expect((await slaveJson(c)).reserved_resources['eng']).toMatchObject({ cpus: 1, mem: 64 });
    expect((await form(c, '/master/reserve', { slaveId: agentId, resources: JSON.stringify([dynamic('cpus', 5, 'eng')]) })).status).toBe(409);

    const bad: [Record<string, string>, string][] = [
      [{ resources: res }, "Missing 'slaveId'"],
      [{ slaveId: agentId }, "Missing 'resources'"],
      [{ slaveId: agentId, resources: '[{' }, "Error parsing 'resources'"],
      [{ slaveId: agentId, resources: '{"name":"cpus"}' }, 'expected a JSON array'],
      [{ slaveId: agentId, resources: '[{"name":"cpus","type":"SCALAR","scalar":{"value":"lots"},"role":"eng","reservation":{}}]' }, 'resources'],
      [{ slaveId: 'nope', resources: res }, 'No agent found'],
    ];
    for (const [fields, message] of bad) {
      const r = await form(c, '/master/reserve', fields);
      expect({ fields, status: r.status }).toEqual({ fields, status: 400 });
      expect(String(r.body?.['message'])).toContain(message);
    }
    expect((await form(c, '/master/reserve', {}, 'GET')).status).toBe(405);
    const big = await form(c, '/master/reserve', { slaveId: agentId, resources: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);

    expect((await form(c, '/master/unreserve', { slaveId: agentId, resources: JSON.stringify([dynamic('cpus', 2, 'eng')]) })).status).toBe(409);
    expect((await form(c, '/master/unreserve', { slaveId: agentId, resources: res })).status).toBe(202);
    expect((await slaveJson(c)).reserved_resources).toEqual({});
  });

  it('what /master/state lists as reserved_resources_full is what /master/unreserve takes back', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    expect((await form(c, '/master/reserve', { slaveId: agentId, resources: JSON.stringify([dynamic('cpus', 1, 'eng')]) })).status).toBe(202);
    const full = (await slaveJson(c)).reserved_resources_full['eng']!;
    expect((await form(c, '/master/unreserve', { slaveId: agentId, resources: JSON.stringify(full) })).status).toBe(202);
    expect((await slaveJson(c)).reserved_resources).toEqual({});
  });
});

describe('RESERVE and UNRESERVE in a framework\'s ACCEPT', () => {
  it('RESERVE then LAUNCH on the reserved resources in one call; they come back reserved when the task ends (ReservationTest.ReserveAndLaunchThenUnreserve)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const s = await c.scheduler({ name: 'eng', role: 'eng', principal: 'eng-fw' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const agentId = offer.agent_id.value;
    const reserved = [dynamic('cpus', 1, 'eng', 'eng-fw'), dynamic('mem', 128, 'eng', 'eng-fw')];
    const r = await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], filters: { refuse_seconds: 0 }, operations: [
      { type: 'RESERVE', reserve: { resources: reserved } },
      launchOn('on-reserved', agentId, reserved, 'true'),
    ] } });
    expect(r.status).toBe(202);
    await untilState(s, 'on-reserved', 'TASK_FINISHED');
    expect((await slaveJson(c)).reserved_resources['eng']).toMatchObject({ cpus: 1, mem: 128 });
    const again = await c.until('an offer with the reservation', async () => {
      const e = s.takeAll(isOffers).flatMap((x) => offersOf(x)).find((o) => cpusBy(o)['eng+dyn'] === 1);
      if (e === undefined) await s.call({ type: 'REVIVE' });
      return e;
    }, { stepMs: 1000 });
    expect(offered(again).find((x) => x.name === 'cpus' && x.reservation !== undefined)).toMatchObject({ role: 'eng', reservation: { principal: 'eng-fw' } });

    // UNRESERVE in an ACCEPT gives them back to everyone.
    expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [again.id], operations: [{ type: 'UNRESERVE', unreserve: { resources: reserved } }] } })).status).toBe(202);
    await c.untilSettled('the reservation to go', async () => ((await slaveJson(c)).reserved_resources['eng'] === undefined ? true : undefined));
    expect((await slaveJson(c)).unreserved_resources).toMatchObject({ cpus: 2, mem: 512 });
  });

  it('a RESERVATION_REFINEMENT framework in eng/web refines an eng reservation; frameworks without the capability are not offered it', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const agentId = await c.agentId();
    expect((await operatorCall(c.master, reserveCall(agentId, [dynamic('cpus', 1, 'eng'), dynamic('mem', 128, 'eng')]))).status).toBe(202);
    const refined = await c.scheduler({ name: 'refined', roles: ['eng/web'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] });
    const offer = offersOf(await refined.next(isOffers))[0]!;
    expect(cpusBy(offer)).toEqual({ '*': 1, 'eng+dyn': 1 });
    const stack = [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }, { type: 'DYNAMIC', role: 'eng/web', principal: 'web-fw' }];
    expect((await refined.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [
      { type: 'RESERVE', reserve: { resources: [scalar('cpus', 1, { reservations: stack, allocation_info: { role: 'eng/web' } })] } },
    ] } })).status).toBe(202);
    await c.untilSettled('the refined reservation', async () => ((await slaveJson(c)).reserved_resources['eng/web'] !== undefined ? true : undefined));
    const slave = await slaveJson(c);
    expect(slave.reserved_resources['eng/web']).toMatchObject({ cpus: 1 });
    expect(slave.reserved_resources['eng']).toMatchObject({ cpus: 0, mem: 128 });
    // Mesos's ENDPOINT format: a refined reservation is shown as its stack only.
    expect(slave.reserved_resources_full['eng/web']).toEqual([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: stack }]);

    expect((await refined.call({ type: 'TEARDOWN' })).status).toBe(202);
    const plain = await c.scheduler({ name: 'plain-web', role: 'eng/web' });
    const plainOffer = offersOf(await plain.next(isOffers))[0]!;
    // The eng reservation is usable by eng/web; the refined one only by frameworks that can read it.
    expect(cpusBy(plainOffer)).toEqual({ '*': 1 });
    expect(offered(plainOffer).filter((x) => x.reservation !== undefined).map((x) => [x.name, x.role])).toEqual([['mem', 'eng']]);
  });

  it('refuses reservations for a role the framework was not offered, and launches on them fail (ReservationTest.DropReserveWithDifferentRole, DropReserveTooLarge)', async () => {
    const c = await simCluster({ resources: RESOURCES });
    const s = await c.scheduler({ name: 'eng', role: 'eng' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const agentId = offer.agent_id.value;
    const foreign = [dynamic('cpus', 1, 'ops')];
    expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [
      { type: 'RESERVE', reserve: { resources: foreign } },
      // Hostile: more than the offer holds, and an allocation to another role.
      { type: 'RESERVE', reserve: { resources: [dynamic('cpus', 100, 'eng')] } },
      { type: 'RESERVE', reserve: { resources: [{ ...dynamic('cpus', 1, 'eng'), allocation_info: { role: 'ops' } }] } },
      launchOn('on-foreign', agentId, foreign),
    ] } })).status).toBe(202);
    const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
    expect(u).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID' });
    expect((await slaveJson(c)).reserved_resources).toEqual({});
    // An operation id asks for feedback tsmesos does not send: refused outright.
    const next = await c.until('another offer', async () => {
      const o = s.takeAll(isOffers).flatMap((x) => offersOf(x))[0];
      if (o === undefined) await s.call({ type: 'REVIVE' });
      return o;
    }, { stepMs: 1000 });
    const withId = await s.call({ type: 'ACCEPT', accept: { offer_ids: [next.id], operations: [{ type: 'RESERVE', id: { value: 'op1' }, reserve: { resources: [dynamic('cpus', 1, 'eng')] } }] } });
    expect(withId.status).toBe(400);
    expect(withId.text).toContain('operation feedback');
    // Malformed operations are refused whole (400), before any offer is used.
    for (const [op, message] of [
      [{ type: 'RESERVE' }, "Expecting 'reserve' to be present"],
      [{ type: 'UNRESERVE' }, "Expecting 'unreserve' to be present"],
      [{ type: 'RESERVE', reserve: { source: [scalar('cpus', 1)], resources: [dynamic('cpus', 1, 'eng')] } }, 'source'],
      [{ type: 'RESERVE', reserve: { resources: [scalar('cpus', 1, { reservations: [{ type: 'SOMETIMES', role: 'eng' }] })] } }, 'type'],
      [{ type: 'RESERVE', reserve: { resources: Array.from({ length: 1001 }, () => dynamic('cpus', 0.001, 'eng')) } }, '1000'],
      [{ type: 'CREATE', create: { volumes: [] } }, 'not supported yet'],
    ] as const) {
      const r = await s.call({ type: 'ACCEPT', accept: { offer_ids: [next.id], operations: [op] } });
      expect({ op: op.type, status: r.status }).toEqual({ op: op.type, status: 400 });
      expect(r.text).toContain(message);
    }
    // The offer was not used by any of them: it can still be accepted.
    expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [next.id], operations: [{ type: 'RESERVE', reserve: { resources: [dynamic('cpus', 1, 'eng')] } }] } })).status).toBe(202);
    await c.untilSettled('the reservation', async () => ((await slaveJson(c)).reserved_resources['eng'] !== undefined ? true : undefined));
  });
});

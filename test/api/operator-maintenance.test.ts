import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// Maintenance primitives of the operator API (UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE,
// STOP_MAINTENANCE, GET_MAINTENANCE_SCHEDULE/STATUS) against a real master and agent on loopback,
// on a manual clock: a DOWN machine's agent is removed and may not register until it is UP.

const get = (j: Json, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], j);
const agentsOf = async (c: SimCluster): Promise<Json[]> => (get(await operatorGet(c.master, 'GET_AGENTS'), 'get_agents', 'agents') as Json[] | undefined) ?? [];
const call = (c: SimCluster, body: Json): Promise<{ status: number; text: string }> => operatorCall(c.master, body);
const schedule = (windows: Json[]): Json => ({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows } } });
const window = (machines: Json[], startNs = 1.8e18, durationNs: number | undefined = 3600e9): Json => ({
  machine_ids: machines, unavailability: { start: { nanoseconds: startNs }, ...(durationNs !== undefined ? { duration: { nanoseconds: durationNs } } : {}) },
});

async function until(c: SimCluster, what: string, pred: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await pred()) return;
    await c.advance(1_000);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('maintenance schedules', () => {
  it('schedule -> DRAINING, START -> DOWN (agent removed, tasks gone, registration refused), STOP -> UP (it registers again); kept across a master restart', async () => {
    const c = await simCluster();
    const agent = (await agentsOf(c))[0]!;
    const hostname = get(agent, 'agent_info', 'hostname') as string;
    const machine = { hostname, ip: '127.0.0.1' };
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_SCHEDULE'), 'get_maintenance_schedule')).toEqual({ schedule: {} });

    const s = await c.scheduler({ name: 'maint', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const task = { name: 'm', task_id: { value: 'm-1' }, agent_id: offer.agent_id, command: { value: 'sleep 300' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] };
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
    await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'm-1');

    expect((await call(c, schedule([window([machine])]))).status).toBe(200);
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_SCHEDULE'), 'get_maintenance_schedule', 'schedule')).toEqual({ windows: [window([machine])] });
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_STATUS'), 'get_maintenance_status', 'status')).toEqual({ draining_machines: [{ id: machine }] });

    // The schedule survives a master restart (registry).
    await c.stopMaster();
    await c.startMaster();
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_SCHEDULE'), 'get_maintenance_schedule', 'schedule')).toEqual({ windows: [window([machine])] });
    await until(c, 'the agent to reregister', async () => (await agentsOf(c)).some((a) => a['active'] === true));

    const stop = (await call(c, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine] } }));
    expect([stop.status, stop.text]).toEqual([400, expect.stringContaining('is not in DOWN mode and cannot be brought up')]);
    expect((await call(c, { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine] } })).status).toBe(200);
    expect(await agentsOf(c)).toEqual([]);
    const tasks = get(await operatorGet(c.master, 'GET_TASKS'), 'get_tasks') as { completed_tasks?: { task_id: { value: string }; state: string }[] };
    expect(tasks.completed_tasks?.map((t) => [t.task_id.value, t.state])).toEqual([['m-1', 'TASK_GONE_BY_OPERATOR']]);
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_STATUS'), 'get_maintenance_status', 'status')).toEqual({ down_machines: [machine] });
    // A DOWN machine cannot leave the schedule; its agent cannot come back while it is DOWN.
    const drop = await call(c, schedule([]));
    expect([drop.status, drop.text]).toEqual([400, expect.stringContaining('is deactivated and cannot be removed from the schedule')]);
    await c.stopAgent();
    await c.startAgent().then(() => { throw new Error('the agent registered from a DOWN machine'); }, (e: unknown) => expect(String(e)).toMatch(/the agent to register/));
    expect(await agentsOf(c)).toEqual([]);

    expect((await call(c, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine] } })).status).toBe(200);
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_SCHEDULE'), 'get_maintenance_schedule', 'schedule')).toEqual({});
    await until(c, 'the agent to register again', async () => (await agentsOf(c)).length === 1);
  });

  it('refuses malformed schedules and machine lists with the Mesos messages, changing nothing', async () => {
    const c = await simCluster();
    const m = { hostname: 'h1', ip: '10.0.0.1' };
    for (const [body, message] of [
      [schedule([window([])]), /List of machines in the maintenance window is empty/],
      [schedule([window([{}])]), /Both 'hostname' and 'ip' for a machine are empty/],
      [schedule([window([{ ip: '999.1.1.1' }])]), /Failed to parse IP/],
      [schedule([window([m]), window([{ ...m, hostname: 'H1' }])]), /appears more than once/],
      [schedule([window([m], 1e18, -1)]), /'duration' is negative/],
      [schedule([{ machine_ids: [m] }]), /unavailability/],
      [{ type: 'START_MAINTENANCE', start_maintenance: { machines: [] } }, /List of machines is empty/],
      [{ type: 'START_MAINTENANCE', start_maintenance: { machines: [m] } }, /is not part of a maintenance schedule/],
      [{ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [m, m] } }, /appears more than once/],
      [{ type: 'UPDATE_MAINTENANCE_SCHEDULE' }, /update_maintenance_schedule/],
      [schedule([window([{ hostname: 'x'.repeat(300) }])]), /hostname/],
    ] as const) {
      const r = await call(c, body);
      expect([r.status, r.text], JSON.stringify(body).slice(0, 200)).toEqual([400, expect.stringMatching(message)]);
    }
    expect(get(await operatorGet(c.master, 'GET_MAINTENANCE_SCHEDULE'), 'get_maintenance_schedule', 'schedule')).toEqual({});
    expect((await agentsOf(c)).length).toBe(1);
  });

  it('the legacy endpoints: /master/maintenance/schedule and /status, /master/machine/down and /up', async () => {
    const c = await simCluster();
    const post = (path: string, body: unknown): Promise<Response> => c.fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const machine = { hostname: 'elsewhere', ip: '10.1.2.3' };
    expect((await post('/master/maintenance/schedule', { windows: [window([machine])] })).status).toBe(200);
    expect(await (await c.fetch('/master/maintenance/schedule')).json()).toEqual({ windows: [window([machine])] });
    expect(await (await c.fetch('/master/maintenance/status')).json()).toEqual({ draining_machines: [{ id: machine }] });
    expect((await post('/master/machine/down', [machine])).status).toBe(200);
    expect(await (await c.fetch('/master/maintenance/status')).json()).toEqual({ down_machines: [machine] });
    expect((await agentsOf(c)).length).toBe(1); // another machine's agent is untouched
    expect((await post('/master/machine/up', [machine])).status).toBe(200);
    expect(await (await c.fetch('/master/maintenance/schedule')).json()).toEqual({});
    for (const [path, body, status] of [
      ['/master/machine/down', '{not json', 400], ['/master/machine/down', { machines: [machine] }, 400], ['/master/machine/up', [machine], 400],
      ['/master/maintenance/schedule', { windows: 'x' }, 400], ['/master/maintenance/schedule', 'x'.repeat(2 * 1024 * 1024), 413],
    ] as const) {
      const r = await post(path, body);
      expect([r.status, ((await r.json()) as { code?: string }).code !== undefined], path).toEqual([status, true]);
    }
    expect((await c.fetch('/master/machine/down')).status).toBe(405);
  });
});

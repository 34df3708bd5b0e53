import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import { decode, encode } from '../wire/codec.js';
import { ClusterStatus, MachineID, MaintenanceSchedule } from '../wire/operator-objects.js';
import { readJsonBody } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { withJsonp } from './master-legacy.js';
import { requireMachines, visibleMachines } from './operator.js';

const MAX_BODY = 1024 * 1024;
const MachineList = z.array(MachineID).max(10_000);

/**
 * Mesos's legacy maintenance endpoints over the same master calls as the operator API:
 * `/master/maintenance/schedule` (GET, POST a Schedule), `/master/maintenance/status` (GET),
 * `/master/machine/down` and `/master/machine/up` (POST a JSON array of MachineIDs).
 */
export function masterLegacyMaintenanceApp(leadership: Leadership): Hono {
  const app = new Hono();
  const leader = async (c: Context, method: 'GET' | 'POST', what: string): Promise<Master | Response> => {
    if (c.req.method !== method) throw new TsmesosError('METHOD_NOT_ALLOWED', `${what} accepts ${method} only`);
    return confirmedLeaderOrRedirect(c, leadership);
  };
  app.all('/master/maintenance/schedule', async (c) => {
    if (c.req.method === 'GET') {
      const m = await leader(c, 'GET', '/master/maintenance/schedule');
      if (m instanceof Response) return m;
      const schedule = m.maintenance.schedule();
      const windows = schedule.windows.map((w) => ({ ...w, machine_ids: visibleMachines(c, 'get_maintenance_schedules', w.machine_ids) })).filter((w) => w.machine_ids.length > 0);
      return withJsonp(c, encode(MaintenanceSchedule, { ...schedule, windows }));
    }
    const m = await leader(c, 'POST', '/master/maintenance/schedule');
    if (m instanceof Response) return m;
    const schedule = decode(MaintenanceSchedule, await readJsonBody(c, MAX_BODY), 'schedule');
    for (const w of schedule.windows) requireMachines(c, 'update_maintenance_schedules', w.machine_ids, 'schedule maintenance of');
    await m.maintenance.updateSchedule(schedule.windows);
    return c.body(null, 200);
  });
  app.all('/master/maintenance/status', async (c) => {
    const m = await leader(c, 'GET', '/master/maintenance/status');
    if (m instanceof Response) return m;
    const st = m.maintenance.status();
    return withJsonp(c, encode(ClusterStatus, {
      ...st, draining_machines: st.draining_machines.filter((d) => visibleMachines(c, 'get_maintenance_statuses', [d.id]).length > 0), down_machines: visibleMachines(c, 'get_maintenance_statuses', st.down_machines),
    }));
  });
  for (const [path, act] of [['/master/machine/down', 'start'], ['/master/machine/up', 'stop']] as const) {
    app.all(path, async (c) => {
      const m = await leader(c, 'POST', path);
      if (m instanceof Response) return m;
      const machines = decode(MachineList, await readJsonBody(c, MAX_BODY), 'machines');
      requireMachines(c, act === 'start' ? 'start_maintenances' : 'stop_maintenances', machines, `${act} maintenance of`);
      await m.maintenance[act](machines);
      return c.body(null, 200);
    });
  }
  return app;
}

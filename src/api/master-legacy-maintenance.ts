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
      return m instanceof Response ? m : withJsonp(c, encode(MaintenanceSchedule, m.maintenance.schedule()));
    }
    const m = await leader(c, 'POST', '/master/maintenance/schedule');
    if (m instanceof Response) return m;
    const schedule = decode(MaintenanceSchedule, await readJsonBody(c, MAX_BODY), 'schedule');
    await m.maintenance.updateSchedule(schedule.windows);
    return c.body(null, 200);
  });
  app.all('/master/maintenance/status', async (c) => {
    const m = await leader(c, 'GET', '/master/maintenance/status');
    return m instanceof Response ? m : withJsonp(c, encode(ClusterStatus, m.maintenance.status()));
  });
  for (const [path, act] of [['/master/machine/down', 'start'], ['/master/machine/up', 'stop']] as const) {
    app.all(path, async (c) => {
      const m = await leader(c, 'POST', path);
      if (m instanceof Response) return m;
      const machines = decode(MachineList, await readJsonBody(c, MAX_BODY), 'machines');
      await m.maintenance[act](machines);
      return c.body(null, 200);
    });
  }
  return app;
}

import { Hono, type Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { MasterContext } from '../master/context.js';
import { legacyRoles, legacyStateSummary, legacyTasks, type TaskQuery } from '../master/legacy-views.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { allowedFor, requireAllowed, visibleTo } from './http-auth.js';
import { withJsonp } from './master-legacy.js';

/** Mesos `/master/tasks` paging: limit defaults to 100, offset to 0, order to `desc`. */
function taskQuery(c: Context): TaskQuery {
  const int = (name: string, dflt: number, max: number): number => {
    const raw = c.req.query(name);
    if (raw === undefined) return dflt;
    if (!/^\d{1,9}$/.test(raw)) throw new TsmesosError('BAD_REQUEST', `${name}: expected a non-negative integer, got '${raw.slice(0, 40)}'`);
    return Math.min(Number(raw), max);
  };
  const order = c.req.query('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new TsmesosError('BAD_REQUEST', `order: expected 'asc' or 'desc', got '${order.slice(0, 40)}'`);
  const frameworkId = c.req.query('framework_id');
  const taskId = c.req.query('task_id');
  return {
    limit: int('limit', 100, 1_000_000), offset: int('offset', 0, 1_000_000_000), order,
    ...(frameworkId !== undefined ? { frameworkId } : {}), ...(taskId !== undefined ? { taskId } : {}),
  };
}

/** The legacy endpoints added with the operator API: state-summary, tasks, roles, weights, flags, health, teardown. */
export function masterLegacyOpsApp(leadership: Leadership, flags: Readonly<Record<string, string>>): Hono {
  const app = new Hono();
  const leaderCtx = async (c: Context): Promise<MasterContext | Response> => {
    const m = await confirmedLeaderOrRedirect(c, leadership);
    return m instanceof Response ? m : m.ctx;
  };
  const leaderRead = (paths: string[], view: (ctx: MasterContext, c: Context) => unknown): void => {
    for (const p of paths) {
      app.get(p, async (c) => {
        const ctx = await leaderCtx(c);
        return ctx instanceof Response ? ctx : withJsonp(c, view(visibleTo(c, ctx), c));
      });
    }
  };
  leaderRead(['/master/state-summary', '/state-summary'], (ctx) => legacyStateSummary(ctx));
  leaderRead(['/master/tasks', '/master/tasks.json', '/tasks', '/tasks.json'], (ctx, c) => legacyTasks(ctx, taskQuery(c)));
  leaderRead(['/master/roles', '/master/roles.json', '/roles', '/roles.json'], (ctx, c) => {
    const r = legacyRoles(ctx) as { roles?: { name: string }[] };
    return { ...r, roles: (r.roles ?? []).filter((x) => allowedFor(c, 'view_roles', x.name)) };
  });
  // Mesos answers a JSON array of WeightInfo (configured weights only).
  leaderRead(['/master/weights', '/weights'], (ctx, c) => [...ctx.roleSettings.weights()].filter(([role]) => allowedFor(c, 'view_roles', role)).map(([role, weight]) => ({ role, weight })));
  // Local to each master, as in Mesos.
  for (const p of ['/master/flags', '/flags']) {
    app.get(p, (c) => {
      requireAllowed(c, 'view_flags', undefined, 'view the flags');
      return withJsonp(c, { flags });
    });
  }
  app.get('/master/health', (c) => c.body(null, 200));
  for (const p of ['/master/teardown', '/teardown']) {
    app.all(p, async (c) => {
      if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'teardown accepts POST only');
      const gated = await confirmedLeaderOrRedirect(c, leadership);
      if (gated instanceof Response) return gated;
      const form = new URLSearchParams(await c.req.text());
      const id = form.get('frameworkId') ?? c.req.query('frameworkId');
      if (id === undefined || id === null || id === '') throw new TsmesosError('BAD_REQUEST', "Missing 'frameworkId' query parameter in the request body");
      const fw = gated.ctx.state.frameworks.get(id);
      if (!fw) throw new TsmesosError('BAD_REQUEST', `No framework found with specified ID ${id.slice(0, 255)}`);
      requireAllowed(c, 'teardown_frameworks', fw.info.principal, `tear down framework ${fw.id}`);
      await gated.frameworks.remove(id);
      return c.body(null, 200);
    });
  }
  return app;
}

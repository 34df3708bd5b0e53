import { Hono, type Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { BUILD_DATE, MESOS_COMPAT_VERSION, VERSION } from '../domain/version.js';
import type { Leadership } from '../master/leadership.js';
import { legacyAgents, legacyFrameworks, legacyState, metricsSnapshot, type LeaderView } from '../master/state-json.js';
import type { MasterContext } from '../master/context.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { allowedFor, requireAllowed, visibleTo } from './http-auth.js';
import { redirectToLeader } from '../lib/leader-redirect.js';
import { stringifyJson } from '../lib/json-fragment.js';

export interface MasterIdentity {
  ip: string;
  port: number;
  hostname: string;
  flags: Record<string, string>;
  /** --log-dir: the file this master's log goes to, served as /master/log. */
  logFile?: string | null;
}

/** A legacy JSON answer, wrapped in `?jsonp=callback(...)` when asked. */
export function withJsonp(c: Context, body: unknown): Response {
  const cb = c.req.query('jsonp');
  if (cb === undefined) return c.body(stringifyJson(body), 200, { 'Content-Type': 'application/json' });
  if (!/^[A-Za-z_$][A-Za-z0-9_$.]{0,127}$/.test(cb)) throw new TsmesosError('BAD_REQUEST', 'jsonp: invalid callback name');
  return c.body(`${cb}(${stringifyJson(body)});`, 200, { 'Content-Type': 'text/javascript' });
}

/** Legacy GET endpoints (`/master/state` and friends), `/health`, `/version`, `/metrics/snapshot`, `/master/redirect`. */
export function masterLegacyApp(leadership: Leadership, self: MasterIdentity): Hono {
  const app = new Hono();
  const view = (): LeaderView => {
    const l = leadership.leader();
    return {
      leaderPid: l ? `master@${l.ip}:${l.port}` : null,
      leaderInfo: l ? { id: l.id ?? '', pid: `master@${l.ip}:${l.port}`, port: l.port, hostname: l.hostname, address: { hostname: l.hostname, ip: l.ip, port: l.port } } : null,
      elected: leadership.master() !== null,
      electedTime: leadership.electedTime(),
    };
  };
  // Followers answer state reads from the leader: they hold no scheduling state.
  const leaderCtx = async (c: Context): Promise<MasterContext | Response> => {
    const m = await confirmedLeaderOrRedirect(c, leadership);
    return m instanceof Response ? m : m.ctx;
  };

  app.get('/health', (c) => c.body(null, 200));
  app.get('/version', (c) => c.json({ version: MESOS_COMPAT_VERSION, tsmesos_version: VERSION, build_date: BUILD_DATE, build_time: 0, build_user: '' }));
  for (const p of ['/master/state', '/master/state.json', '/state', '/state.json']) {
    app.get(p, async (c) => {
      const ctx = await leaderCtx(c);
      if (ctx instanceof Response) return ctx;
      // The flags are in the state only for who may view them (view_flags), as in Mesos.
      return withJsonp(c, legacyState(visibleTo(c, ctx), view(), allowedFor(c, 'view_flags', undefined) ? self.flags : {}));
    });
  }
  for (const p of ['/master/slaves', '/slaves']) {
    app.get(p, async (c) => {
      const ctx = await leaderCtx(c);
      if (ctx instanceof Response) return ctx;
      const a = legacyAgents(ctx);
      return withJsonp(c, { slaves: a.active, recovered_slaves: a.recovered });
    });
  }
  for (const p of ['/master/frameworks', '/frameworks']) {
    app.get(p, async (c) => {
      const ctx = await leaderCtx(c);
      if (ctx instanceof Response) return ctx;
      const f = legacyFrameworks(visibleTo(c, ctx));
      return withJsonp(c, { frameworks: f.frameworks, completed_frameworks: f.completed, unregistered_frameworks: [] });
    });
  }
  for (const p of ['/master/redirect', '/redirect']) {
    app.get(p, (c) => {
      const l = leadership.leader();
      return redirectToLeader(c, l && { host: l.ip, port: l.port }, { target: 'root' });
    });
  }
  app.get('/metrics/snapshot', (c) => {
    requireAllowed(c, 'get_endpoints', '/metrics/snapshot', 'read /metrics/snapshot');
    const m = leadership.master();
    if (m) return c.json(metricsSnapshot(m.ctx, true));
    return c.json({ 'master/elected': 0 });
  });
  return app;
}

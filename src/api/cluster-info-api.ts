import { Hono, type Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { Registry } from '../registry/registry.js';
import type { UsageHistory } from '../master/usage-history.js';
import { ACL_ACTIONS, type AclAction, type Acls } from '../security/acls.js';
import { ADMIN_PRINCIPAL, type PrincipalAuthenticator } from '../security/principals.js';
import { leaderOrRedirect } from './leader-gate.js';

// Read-only views for the web UI and scripts (ours; Mesos had none):
//   GET /tsmesos/v1/usage[?since=<ms>]  the leader's usage history: CPU/mem/disk/GPU used and
//                                       total, one sample every interval_ms over the last hour;
//                                       public (like /master/state); a follower 307s to the leader
//   GET /tsmesos/v1/whoami              who the request's credentials name (none: anonymous), and
//                                       whether this master asks for credentials; wrong ones: 401
//   GET /tsmesos/v1/acls                this master's --acls (Mesos format) and the principals'
//                                       names (never secrets); admin credential

export const USAGE_PATH = '/tsmesos/v1/usage';
export const WHOAMI_PATH = '/tsmesos/v1/whoami';
export const ACLS_PATH = '/tsmesos/v1/acls';

export interface ClusterInfoDeps {
  leadership: Leadership;
  registry: Registry;
  usage: UsageHistory;
  authenticator: PrincipalAuthenticator;
  isAdmin: (authorization: string | undefined) => boolean;
  acls: Acls | null;
  authenticateFrameworks: boolean;
  authenticateReadwrite: boolean;
}

/** Mesos's --acls document of parsed ACLs (what the operator gave, defaults filled in). */
export function aclsToMesosJson(acls: Acls): Record<string, unknown> {
  const out: Record<string, unknown> = { permissive: acls.permissive };
  for (const action of Object.keys(ACL_ACTIONS) as AclAction[]) {
    out[action] = acls.rules[action].map((r) => ({ principals: r.subject, [ACL_ACTIONS[action]]: r.object }));
  }
  return out;
}

export function clusterInfoApp(deps: ClusterInfoDeps): Hono {
  const app = new Hono();

  app.get(USAGE_PATH, (c) => {
    const raw = c.req.query('since');
    let since: number | undefined;
    if (raw !== undefined) {
      if (!/^\d{1,16}$/.test(raw)) throw new TsmesosError('BAD_REQUEST', 'since: expected milliseconds since the epoch (a non-negative integer)');
      since = Number(raw);
    }
    const m = leaderOrRedirect(c, deps.leadership);
    if (m instanceof Response) return m;
    return c.json({ interval_ms: deps.usage.intervalMs, window_ms: deps.usage.windowMs, samples: deps.usage.samples(since) });
  });

  app.get(WHOAMI_PATH, (c) => {
    const header = c.req.header('authorization');
    let principal: string | null = null;
    if (header !== undefined) {
      const r = deps.authenticator.authenticate(header);
      // No WWW-Authenticate challenge: a browser would answer it with its own login dialog.
      if (!r.ok) throw new TsmesosError('UNAUTHORIZED', r.message);
      principal = r.principal;
    }
    return c.json({
      principal, admin: principal === ADMIN_PRINCIPAL && deps.isAdmin(header),
      authenticate_frameworks: deps.authenticateFrameworks, authenticate_http_readwrite: deps.authenticateReadwrite,
    });
  });

  const requireAdmin = (c: Context): void => {
    if (!deps.isAdmin(c.req.header('authorization'))) throw new TsmesosError('UNAUTHORIZED', 'missing or wrong admin credential (Authorization: Bearer <token>; see TSMESOS_TOKEN)');
  };

  app.get(ACLS_PATH, (c) => {
    requireAdmin(c);
    return c.json({
      acls: deps.acls ? aclsToMesosJson(deps.acls) : null,
      authenticate_frameworks: deps.authenticateFrameworks, authenticate_http_readwrite: deps.authenticateReadwrite,
      principals: deps.registry.principals().map((p) => ({ name: p.name, createdAt: p.createdAt })),
    });
  });
  return app;
}

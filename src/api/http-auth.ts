import type { Context, MiddlewareHandler } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { PrincipalAuthenticator } from '../security/principals.js';
import { isAllowed, type AclAction, type Acls } from '../security/acls.js';

// HTTP authentication of a master's APIs, with Mesos's switches and realms:
//   --authenticate-frameworks     the scheduler API (/api/v1/scheduler), realm mesos-master-scheduler
//   --authenticate-http-readwrite every request that can change state: the operator API
//                                 (/api/v1, POST), the legacy mutating endpoints and the
//                                 Marathon API's writes, realm mesos-master-readwrite
// Missing or wrong credentials: 401 with WWW-Authenticate (Basic and Bearer challenges) and
// the usual {code, message}. The cluster's own channels (/tsmesos/...: Raft, agents, joins,
// renewals) authenticate with certificates or the admin credential instead.

export interface HttpAuthOptions {
  authenticateFrameworks: boolean;
  authenticateReadwrite: boolean;
  authenticator: PrincipalAuthenticator;
  /** --acls: what principals may do (deny-by-default once given); null: everything is allowed. */
  acls?: Acls | null;
}

export const SCHEDULER_REALM = 'mesos-master-scheduler';
export const READWRITE_REALM = 'mesos-master-readwrite';

const authenticated = new WeakMap<Request, string>();
const aclsOf = new WeakMap<Request, Acls>();

/**
 * 403 unless this request's principal may do `action` on `object` (undefined: an object that
 * names nobody, e.g. a framework without a principal). Requests the process makes to itself,
 * and every request of a master without --acls, are allowed.
 */
export function requireAllowed(c: Context, action: AclAction, object: string | undefined, what: string): void {
  const acls = aclsOf.get(c.req.raw);
  if (!acls) return;
  const principal = authenticated.get(c.req.raw);
  if (!isAllowed(acls, action, principal, object)) {
    throw new TsmesosError('FORBIDDEN', `${principal !== undefined ? `principal '${principal}'` : 'an unauthenticated request'} is not authorized to ${what} (ACL ${action})`);
  }
}

/** The principal a request authenticated as, if it did (the scheduler API checks FrameworkInfo.principal against it). */
export function principalOf(c: Context): string | undefined {
  return authenticated.get(c.req.raw);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The realm a request needs credentials for, or null (Mesos: only with the matching switch on). */
export function realmOf(method: string, path: string, opts: Pick<HttpAuthOptions, 'authenticateFrameworks' | 'authenticateReadwrite'>): string | null {
  if (path.startsWith('/tsmesos/')) return null;
  if (path === '/api/v1/scheduler') return opts.authenticateFrameworks ? SCHEDULER_REALM : null;
  if (SAFE.has(method.toUpperCase())) return null;
  return opts.authenticateReadwrite ? READWRITE_REALM : null;
}

/** A request this process made to itself (the built-in services scheduler), not one from the network. */
function inProcess(env: unknown): boolean {
  return (env as { incoming?: unknown } | undefined)?.incoming === undefined;
}

export function httpAuthentication(opts: HttpAuthOptions): MiddlewareHandler {
  return async (c, next) => {
    const fromNetwork = !inProcess(c.env);
    if (fromNetwork && opts.acls) aclsOf.set(c.req.raw, opts.acls);
    const realm = fromNetwork ? realmOf(c.req.method, c.req.path, opts) : null;
    const header = c.req.header('authorization');
    if (realm === null) {
      // Not required here; credentials sent anyway name the principal when they check out.
      if (header !== undefined) {
        const r = opts.authenticator.authenticate(header);
        if (r.ok) authenticated.set(c.req.raw, r.principal);
      }
      await next();
      return;
    }
    const r = opts.authenticator.authenticate(header);
    if (!r.ok) {
      // A page's script that says so (the web UI sends X-Requested-With: XMLHttpRequest, the
      // convention Spring Security and Jenkins follow) gets no Basic challenge: the browser would
      // hold the request for its own login dialog instead of answering the page. Every other
      // client gets both challenges, as from Mesos.
      const fromPageScript = c.req.header('x-requested-with') === 'XMLHttpRequest';
      if (!fromPageScript) c.header('WWW-Authenticate', `Basic realm="${realm}"`);
      c.header('WWW-Authenticate', `Bearer realm="${realm}"`, { append: !fromPageScript });
      throw new TsmesosError('UNAUTHORIZED', r.message);
    }
    authenticated.set(c.req.raw, r.principal);
    await next();
  };
}

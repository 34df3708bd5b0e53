import type { Context, MiddlewareHandler } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { PrincipalAuthenticator } from '../security/principals.js';

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
}

export const SCHEDULER_REALM = 'mesos-master-scheduler';
export const READWRITE_REALM = 'mesos-master-readwrite';

const authenticated = new WeakMap<Request, string>();

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
    const realm = inProcess(c.env) ? null : realmOf(c.req.method, c.req.path, opts);
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
      c.header('WWW-Authenticate', `Basic realm="${realm}"`);
      c.header('WWW-Authenticate', `Bearer realm="${realm}"`, { append: true });
      throw new TsmesosError('UNAUTHORIZED', r.message);
    }
    authenticated.set(c.req.raw, r.principal);
    await next();
  };
}

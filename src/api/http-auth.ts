import type { Context, MiddlewareHandler } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { ADMIN_PRINCIPAL, type PrincipalAuthenticator } from '../security/principals.js';
import type { MasterContext } from '../master/context.js';
import { taskUser, visibleContext } from '../master/visibility.js';
import type { FailureThrottle } from '../security/auth-throttle.js';
import type { FrameworkRateLimiter } from '../security/rate-limits.js';
import { isAllowed, type AclAction, type Acls } from '../security/acls.js';

// HTTP authentication of a master's APIs, with Mesos's switches and realms:
//   --authenticate-frameworks     the scheduler API (/api/v1/scheduler), realm mesos-master-scheduler
//   --authenticate-http-readwrite every request that can change state: the operator API
//                                 (/api/v1, POST), the legacy mutating endpoints and the
//                                 Marathon API's writes, realm mesos-master-readwrite
//   --authenticate-http-readonly  every other request (GET/HEAD: state, metrics, flags, the
//                                 Marathon API's reads), realm mesos-master-readonly; not
//                                 /health and /ping (probes), nor the UI's files (the page
//                                 asks for credentials through its API calls)
// Missing or wrong credentials: 401 with WWW-Authenticate (Basic and Bearer challenges) and
// the usual {code, message}. The cluster's own channels (/tsmesos/...: Raft, agents, joins,
// renewals) authenticate with certificates or the admin credential instead.

export interface HttpAuthOptions {
  authenticateFrameworks: boolean;
  authenticateReadwrite: boolean;
  /** --authenticate-http-readonly; absent: false. */
  authenticateReadonly?: boolean;
  authenticator: PrincipalAuthenticator;
  /** --acls: what principals may do (deny-by-default once given); null: everything is allowed. */
  acls?: Acls | null;
}

export const SCHEDULER_REALM = 'mesos-master-scheduler';
export const READWRITE_REALM = 'mesos-master-readwrite';
export const READONLY_REALM = 'mesos-master-readonly';

/** Read-only paths open even with --authenticate-http-readonly: probes and the UI's static files. */
const OPEN_READS = new Set(['/health', '/ping', '/', '/favicon.ico']);
const openRead = (path: string): boolean => OPEN_READS.has(path) || path.startsWith('/ui/');

const authenticated = new WeakMap<Request, string>();
const aclsOf = new WeakMap<Request, Acls>();

/**
 * May this request's principal do `action` on `object` (undefined: an object that names
 * nobody, e.g. a framework without a principal, matched only by ANY)? Requests the process
 * makes to itself, every request of a master without --acls, and the cluster's admin
 * credential (which can already mint join tokens and change the membership) are allowed.
 */
export function allowedFor(c: Context, action: AclAction, object: string | undefined): boolean {
  const acls = aclsOf.get(c.req.raw);
  if (!acls) return true;
  const principal = authenticated.get(c.req.raw);
  return principal === ADMIN_PRINCIPAL || isAllowed(acls, action, principal, object);
}

/** 403 unless allowedFor(c, action, object); `what` says what was refused. */
export function requireAllowed(c: Context, action: AclAction, object: string | undefined, what: string): void {
  if (allowedFor(c, action, object)) return;
  const principal = authenticated.get(c.req.raw);
  throw new TsmesosError('FORBIDDEN', `${principal !== undefined ? `principal '${principal}'` : 'an unauthenticated request'} is not authorized to ${what} (ACL ${action})`);
}

/**
 * The master's context as this request may see it (view_frameworks by the framework's user,
 * view_tasks by the task's user); the context itself when nothing is filtered.
 */
export function visibleTo(c: Context, ctx: MasterContext): MasterContext {
  if (!aclsOf.has(c.req.raw) || authenticated.get(c.req.raw) === ADMIN_PRINCIPAL) return ctx;
  const users = new Map<string, boolean>();
  const cached = (action: 'view_frameworks' | 'view_tasks', user: string): boolean => {
    const key = `${action} ${user}`;
    let v = users.get(key);
    if (v === undefined) users.set(key, (v = allowedFor(c, action, user)));
    return v;
  };
  return visibleContext(ctx, { framework: (fw) => cached('view_frameworks', fw.info.user ?? ''), task: (t, fw) => cached('view_tasks', taskUser(t, fw)) });
}

/** The principal a request authenticated as, if it did (the scheduler API checks FrameworkInfo.principal against it). */
export function principalOf(c: Context): string | undefined {
  return authenticated.get(c.req.raw);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The realm a request needs credentials for, or null (Mesos: only with the matching switch on). */
export function realmOf(method: string, path: string, opts: Pick<HttpAuthOptions, 'authenticateFrameworks' | 'authenticateReadwrite' | 'authenticateReadonly'>): string | null {
  if (path.startsWith('/tsmesos/')) return null;
  if (path === '/api/v1/scheduler') return opts.authenticateFrameworks ? SCHEDULER_REALM : null;
  // Changes the process's logging with a GET too (libprocess puts it in the readwrite realm).
  if (path === '/logging/toggle') return opts.authenticateReadwrite ? READWRITE_REALM : null;
  if (SAFE.has(method.toUpperCase())) {
    // CORS preflights carry no credentials (browsers never send them on OPTIONS).
    if (method.toUpperCase() === 'OPTIONS' || openRead(path)) return null;
    return opts.authenticateReadonly === true ? READONLY_REALM : null;
  }
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

/** The address a request came from (hono node-server's incoming socket); '' in process. */
function sourceOf(env: unknown): string {
  return (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? '';
}

/**
 * Failed authentication limited per source address (FailureThrottle): a request carrying
 * credentials (an Authorization header, or a join secret) from a source out of attempts is
 * a 429 with Retry-After before anything is checked; a 401 to such a request costs an attempt.
 */
export function throttleAuthFailures(throttle: FailureThrottle, isSecretPath: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const source = sourceOf(c.env);
    const carriesSecret = source !== '' && (c.req.header('authorization') !== undefined || isSecretPath(c.req.path));
    if (!carriesSecret) {
      await next();
      return;
    }
    const wait = throttle.retryAfterMs(source);
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new TsmesosError('TOO_MANY_REQUESTS', `too many failed authentication attempts from ${source.slice(0, 64)}; retry in ${Math.ceil(wait / 1000)} s`);
    }
    await next();
    if (c.res.status === 401) throttle.failed(source);
  };
}

/**
 * --rate-limits on the scheduler API: a call of an authenticated principal over its limit is a
 * 429 with Retry-After (Mesos's framework rate limiting; unauthenticated calls are not limited).
 */
export function rateLimitFrameworks(limiter: FrameworkRateLimiter): MiddlewareHandler {
  return async (c, next) => {
    const principal = authenticated.get(c.req.raw);
    if (principal !== undefined && c.req.method === 'POST') {
      const over = limiter.take(principal);
      if (over) {
        const seconds = Math.max(1, Math.ceil(over.retryAfterMs / 1000));
        c.header('Retry-After', String(seconds));
        throw new TsmesosError('TOO_MANY_REQUESTS', `rate limit exceeded for principal '${principal}' (${over.limit.qps} calls/s, burst ${over.limit.capacity}; --rate-limits); retry in ${seconds} s`);
      }
    }
    await next();
  };
}

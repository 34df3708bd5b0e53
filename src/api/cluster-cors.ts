import type { MiddlewareHandler } from 'hono';

/**
 * CORS for the web UI of another master of the same cluster: a page served by a follower sends
 * its writes (operator API, Marathon writes, join tokens) and its operator event stream straight
 * to the leader, with the user's credentials in an Authorization header (never cookies). Only an
 * origin that is a cluster member (`http://<ip>:<port>`, a Raft voter or learner; `https://` when
 * `secure()`, as under --api-tls) is let in; a preflight from any other origin passes through
 * unanswered (the browser then refuses the call).
 */
export function clusterCors(members: () => readonly string[], secure: () => boolean = () => false): MiddlewareHandler {
  const allowed = (origin: string | undefined): origin is string => {
    const scheme = secure() ? 'https://' : 'http://';
    return origin !== undefined && origin.startsWith(scheme) && members().includes(origin.slice(scheme.length));
  };
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (!allowed(origin)) {
      await next();
      return;
    }
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
        'Access-Control-Allow-Headers': 'Accept, Authorization, Content-Type, X-Requested-With',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    await next();
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.append('Vary', 'Origin');
  };
}

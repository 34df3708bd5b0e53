import type { MiddlewareHandler } from 'hono';

/**
 * CORS for the read-only JSON and file GETs the web UI makes to other nodes: a follower's
 * state read answers 307 to the leader, the masters table reads every member's Raft status,
 * and the sandbox pages read agents' `/state` and `/files/*` directly (as Mesos's UI does; the
 * master never connects to agents). `*` without credentials: these endpoints answer any client
 * that can reach the port today (no authentication yet), and a cross-origin redirect makes the
 * browser send `Origin: null`, which a list of allowed origins could not tell apart anyway.
 * Only GET/HEAD: nothing that changes state is reachable from another origin.
 */
export function readOnlyCors(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.method === 'GET' || c.req.method === 'HEAD') c.res.headers.set('Access-Control-Allow-Origin', '*');
  };
}

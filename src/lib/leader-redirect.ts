// THE "not the leader: 307 to the leader" answer, Mesos style (`Location: //host:port/path`,
// a network-path reference: the client keeps its scheme). Every leader-only endpoint (the
// scheduler and agent APIs, state reads, Raft membership) and /master/redirect answer through here.
import type { Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';

export interface LeaderEndpoint {
  host: string;
  port: number;
}

export interface LeaderRedirectOptions {
  /**
   * 'request' (default): the same path and query on the leader, with a NOT_LEADER body.
   * 'root': just `//host:port`, no body (Mesos /master/redirect, which also answers on the leader).
   */
  target?: 'request' | 'root';
}

/** A 307 to `leader`; with no leader known, throws UNAVAILABLE (a 503 the client retries). */
export function redirectToLeader(c: Context, leader: LeaderEndpoint | null, opts: LeaderRedirectOptions = {}): Response {
  if (!leader) throw new TsmesosError('UNAVAILABLE', 'no leading master is known right now; retry shortly');
  const where = `${leader.host}:${leader.port}`;
  if (opts.target === 'root') {
    c.header('Location', `//${where}`);
    return c.body(null, 307);
  }
  const url = new URL(c.req.url);
  c.header('Location', `//${where}${url.pathname}${url.search}`);
  return c.json({ code: 'NOT_LEADER', message: `this master is not the leader; the leader is ${where}` }, 307);
}
